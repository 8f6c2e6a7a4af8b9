/*
 * methods.c — the one table of served methods. Rows only: no logic here.
 */
#include "core/rpc/methods.h"

#include "core/feedback/feedback.h"
#include "core/rpc/health.h"
#include "core/system/system.h"
#include "ehall/feedback/v1/feedback.pb-c.h"
#include "ehall/system/v1/system.pb-c.h"
#include "grpc/health/v1/health.pb-c.h"
#include "grpc/reflection/v1/reflection.pb-c.h"

const rpc_method_t rpc_methods[] = {
    /* Anyone may write (no login), so it spends the stricter per-IP write budget. */
    {"/ehall.feedback.v1.Feedback/SubmitFeedback",
     &ehall__feedback__v1__submit_feedback_request__descriptor,
     &ehall__feedback__v1__feedback_receipt__descriptor, feedback_submit, RPC_KIND_UNARY,
     RPC_METHOD_PUBLIC | RPC_METHOD_MUTATES, RPC_LIMIT_WRITE},
    {"/ehall.system.v1.System/GetInfo", &ehall__system__v1__get_info_request__descriptor,
     &ehall__system__v1__system_info__descriptor, system_info_get, RPC_KIND_UNARY,
     RPC_METHOD_PUBLIC, RPC_LIMIT_READ},
    {"/grpc.health.v1.Health/Check", &grpc__health__v1__health_check_request__descriptor,
     &grpc__health__v1__health_check_response__descriptor, rpc_health_check, RPC_KIND_UNARY,
     RPC_METHOD_PUBLIC, RPC_LIMIT_NONE},
    {"/grpc.health.v1.Health/Watch", &grpc__health__v1__health_check_request__descriptor,
     &grpc__health__v1__health_check_response__descriptor, NULL, RPC_KIND_HEALTH_WATCH,
     RPC_METHOD_PUBLIC, RPC_LIMIT_NONE},
    /* v1alpha is v1 on the wire (same fields, same numbers): one implementation serves both. */
    {"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
     &grpc__reflection__v1__server_reflection_request__descriptor,
     &grpc__reflection__v1__server_reflection_response__descriptor, NULL, RPC_KIND_REFLECTION,
     RPC_METHOD_PUBLIC, RPC_LIMIT_NONE},
    {"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
     &grpc__reflection__v1__server_reflection_request__descriptor,
     &grpc__reflection__v1__server_reflection_response__descriptor, NULL, RPC_KIND_REFLECTION,
     RPC_METHOD_PUBLIC, RPC_LIMIT_NONE},
};

const size_t rpc_methods_count = sizeof(rpc_methods) / sizeof(rpc_methods[0]);
