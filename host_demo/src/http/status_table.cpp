#include "status_table.hpp"

#include <plinth/base.h>

namespace plinth::http {

unsigned http_status_for(int32_t status) noexcept {
    switch (status) {
    case PLINTH_OK: return 200;
    case PLINTH_E_INVALID_ARGUMENT: return 400;
    case PLINTH_E_UNAUTHENTICATED:
    case PLINTH_E_EXPIRED: return 401;
    case PLINTH_E_PERMISSION_DENIED: return 403;
    case PLINTH_E_NOT_FOUND:
    case PLINTH_E_UNSUPPORTED: return 404;
    case PLINTH_E_CONFLICT:
    case PLINTH_E_LIMIT_EXCEEDED: return 409;
    case PLINTH_E_THROTTLED: return 429;
    case PLINTH_E_UNAVAILABLE:
    case PLINTH_E_DATABASE: return 503;
    case PLINTH_E_RESOURCE_EXHAUSTED: return 507;
    default: return 500;
    }
}

} // namespace plinth::http
