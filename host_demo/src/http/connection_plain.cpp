// Connections over plain TCP (the default: loopback behind a reverse proxy).
#include "connection_impl.hpp"

namespace plinth::http {

template class Connection<PlainStream>;

} // namespace plinth::http
