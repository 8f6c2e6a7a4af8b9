/*
 * services.c — every protobuf-c service descriptor of proto/ehall (every area), for routes_create.
 * A new service in proto/ehall adds one line here; nothing else in the gateway changes.
 */
#include "gateway/services.h"

#include "ehall/catalog/v1/catalog.pb-c.h"
#include "ehall/feedback/v1/feedback.pb-c.h"
#include "ehall/approvals/v1/approvals.pb-c.h"
#include "ehall/forms/v1/booking.pb-c.h"
#include "ehall/forms/v1/forms.pb-c.h"
#include "ehall/identity/v1/identity.pb-c.h"
#include "ehall/org/v1/org.pb-c.h"
#include "ehall/system/v1/system.pb-c.h"

const ProtobufCServiceDescriptor *const gateway_services[] = {
    &ehall__catalog__v1__catalog__descriptor,
    &ehall__catalog__v1__my_services__descriptor,
    &ehall__catalog__v1__catalog_admin__descriptor,
    &ehall__feedback__v1__feedback__descriptor,
    &ehall__approvals__v1__process_admin__descriptor,
    &ehall__approvals__v1__approvals__descriptor,
    &ehall__forms__v1__forms__descriptor,
    &ehall__forms__v1__form_admin__descriptor,
    &ehall__forms__v1__booking__descriptor,
    &ehall__forms__v1__booking_admin__descriptor,
    &ehall__identity__v1__auth__descriptor,
    &ehall__identity__v1__accounts__descriptor,
    &ehall__identity__v1__apps__descriptor,
    &ehall__org__v1__org_units__descriptor,
    &ehall__org__v1__groups__descriptor,
    &ehall__org__v1__delegations__descriptor,
    &ehall__system__v1__system__descriptor,
};

const size_t gateway_services_count = sizeof(gateway_services) / sizeof(gateway_services[0]);
