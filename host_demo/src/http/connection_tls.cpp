// Connections over the server's own TLS (http.tls.cert and http.tls.key).
#include "connection_impl.hpp"

namespace plinth::http {

template class Connection<TlsStream>;

} // namespace plinth::http
