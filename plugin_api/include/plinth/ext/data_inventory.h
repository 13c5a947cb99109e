/* plinth/ext/data_inventory.h — what a module keeps and why (the register of processing). */
#ifndef PLINTH_EXT_DATA_INVENTORY_H
#define PLINTH_EXT_DATA_INVENTORY_H

#include "../module.h"

#ifdef __cplusplus
extern "C" {
#endif

static const char PLINTH_EXT_DATA_INVENTORY[] = "plinth.data-inventory/1";

/* One category of personal data. All strings borrowed for the callback. */
typedef struct plinth_data_category {
    uint32_t struct_size;
    plinth_str name;         /* e.g. "email"; unique within the module */
    plinth_str fields;       /* comma-separated stored fields, e.g. "email, email_history" */
    plinth_str purpose;      /* why it is kept, in plain words */
    plinth_str legal_basis;  /* e.g. "contract (Art. 6(1)(b))", "consent (Art. 6(1)(a))" */
    plinth_str retention;    /* plain words, e.g. "30 days after the event" */
    int64_t retention_days;  /* 0 when the period is not a fixed number of days */
    plinth_str recipients;   /* who else receives it, e.g. "support staff"; empty: nobody */
} plinth_data_category;
PLINTH_PIN_AT(plinth_data_category, name, 8);
PLINTH_PIN_AT(plinth_data_category, fields, 24);
PLINTH_PIN_AT(plinth_data_category, purpose, 40);
PLINTH_PIN_AT(plinth_data_category, legal_basis, 56);
PLINTH_PIN_AT(plinth_data_category, retention, 72);
PLINTH_PIN_AT(plinth_data_category, retention_days, 88);
PLINTH_PIN_AT(plinth_data_category, recipients, 96);
PLINTH_PIN_SIZE(plinth_data_category, 112);

typedef struct plinth_inventory_sink {
    uint32_t struct_size;
    void *context;
    int32_t (*category)(void *context, const plinth_data_category *category);
} plinth_inventory_sink;
PLINTH_PIN_AT(plinth_inventory_sink, context, 8);
PLINTH_PIN_AT(plinth_inventory_sink, category, 16);
PLINTH_PIN_SIZE(plinth_inventory_sink, 24);

typedef struct plinth_data_inventory_v1 {
    uint32_t struct_size;
    /* Reports every category the module keeps, reflecting its current configuration.
     * [thread-safe] */
    int32_t (*list_categories)(const plinth_module *self, const plinth_inventory_sink *out,
                               plinth_error *error);
} plinth_data_inventory_v1;
PLINTH_PIN_AT(plinth_data_inventory_v1, list_categories, 8);
PLINTH_PIN_SIZE(plinth_data_inventory_v1, 16);

#ifdef __cplusplus
}
#endif

#endif
