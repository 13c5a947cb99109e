/* plinth/plinth.h — everything a module or host needs, in one include. */
#ifndef PLINTH_PLINTH_H
#define PLINTH_PLINTH_H

#include "base.h"
#include "host.h"
#include "module.h"
#include "services/clock.h"
#include "services/config.h"
#include "services/connections.h"
#include "services/db.h"
#include "services/log.h"
#include "services/notify.h"
#include "services/registry.h"
#include "services/secrets.h"
#include "ext/account_roles.h"
#include "ext/command.h"
#include "ext/consent.h"
#include "ext/data_inventory.h"
#include "ext/license_check.h"
#include "ext/personal_data.h"
#include "ext/retention.h"
#include "ext/schema.h"
#include "ext/session_check.h"
#include "ext/subject_resolver.h"

#endif
