/*
 * transcode_test.c — the proto3 JSON mapping of core/common/transcode, both directions, on the
 * test-only Kitchen message (every kind of field) and Presence (explicit presence).
 *
 * Each error case asserts the field path a form would mark. Never depends on servers.
 */
#include "core/common/transcode.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "google/protobuf/any.pb-c.h"
#include "google/protobuf/duration.pb-c.h"
#include "google/protobuf/empty.pb-c.h"
#include "google/protobuf/field_mask.pb-c.h"
#include "google/protobuf/struct.pb-c.h"
#include "google/protobuf/timestamp.pb-c.h"
#include "google/protobuf/wrappers.pb-c.h"
#include "testdata/kitchen.pb-c.h"
#include "testdata/presence.pb-c.h"
#include "tests/unit/test.h"

typedef Ehall__Testing__V1__Kitchen kitchen_t;
#define KITCHEN (&ehall__testing__v1__kitchen__descriptor)

static const ProtobufCMessageDescriptor *test_find_message(const void *ctx, const char *name) {
  static const ProtobufCMessageDescriptor *known[] = {
      &ehall__testing__v1__kitchen__descriptor, &ehall__testing__v1__item__descriptor,
      &google__protobuf__duration__descriptor,  &google__protobuf__timestamp__descriptor,
      &google__protobuf__struct__descriptor,    &google__protobuf__value__descriptor,
      &google__protobuf__int64_value__descriptor, &google__protobuf__empty__descriptor,
      &google__protobuf__field_mask__descriptor, &google__protobuf__any__descriptor,
  };
  (void)ctx;
  for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
    if (strcmp(known[i]->name, name) == 0)
      return known[i];
  return NULL;
}

static const char *test_json_name(const void *ctx, const ProtobufCMessageDescriptor *msg,
                                  const ProtobufCFieldDescriptor *field) {
  (void)ctx;
  if (msg == KITCHEN && strcmp(field->name, "json_override") == 0)
    return "renamed";
  return NULL;
}

static const transcode_schema_t schema = {.find_message = test_find_message};
static const transcode_schema_t schema_named = {.json_name = test_json_name,
                                                .find_message = test_find_message};

static kitchen_t *parse(arena_t *a, const char *json, eh_err_t *err) {
  eh_err_clear(err);
  return (kitchen_t *)transcode_json_to_pb(a, &schema, KITCHEN, json, strlen(json), err);
}

static const char *print(arena_t *a, const void *msg) {
  eh_err_t err = EH_ERR_INIT;
  size_t len = 0;
  const char *s = transcode_pb_to_json(a, &schema, msg, &len, &err);
  if (s == NULL)
    return arena_strdup(a, err.message_en);
  CHECK_INT(strlen(s), len);
  return s;
}

/* Parses json (must succeed) and prints it again. */
static const char *reprint(arena_t *a, const char *json) {
  eh_err_t err = EH_ERR_INIT;
  kitchen_t *k = parse(a, json, &err);
  if (k == NULL) {
    fprintf(stderr, "  parse failed: %s (%s)\n", err.message_en,
            err.nfields ? err.fields[0].field : "-");
    return "(parse failed)";
  }
  return print(a, k);
}

/* Parses json, which must fail with EH_INVALID on `field` (NULL: no field violation). */
static void expect_error(arena_t *a, const char *json, const char *field, const char *en) {
  eh_err_t err = EH_ERR_INIT;
  kitchen_t *k = parse(a, json, &err);
  CHECK(k == NULL);
  CHECK_INT(err.code, EH_INVALID);
  if (field != NULL) {
    CHECK_INT(err.nfields, 1);
    CHECK_STR(err.nfields ? err.fields[0].field : "(none)", field);
  } else {
    CHECK_INT(err.nfields, 0);
  }
  if (en != NULL)
    CHECK_STR(err.message_en, en);
  if (k != NULL || err.code != EH_INVALID)
    fprintf(stderr, "  for input: %s\n", json);
}

static void test_json_name_derive(void) {
  arena_t *a = arena_create(0);
  CHECK_STR(transcode_json_name_derive(a, "page_size"), "pageSize");
  CHECK_STR(transcode_json_name_derive(a, "id"), "id");
  CHECK_STR(transcode_json_name_derive(a, "a_b_c"), "aBC");
  CHECK_STR(transcode_json_name_derive(a, "x__y_1"), "xY1");
  arena_destroy(a);
}

static void test_scalars_parse(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  kitchen_t *k = parse(a,
                       "{\"i32\":-5,\"i64\":\"-9223372036854775808\",\"u32\":\"4294967295\","
                       "\"u64\":\"18446744073709551615\",\"s32\":1e2,\"s64\":12345,"
                       "\"f32\":7,\"f64\":\"8\",\"sf32\":-9,\"sf64\":\"-10\",\"flt\":1.5,"
                       "\"dbl\":\"-Infinity\",\"flag\":true,\"pageToken\":\"页面 ✓\","
                       "\"blob\":\"aGk/\",\"color\":\"COLOR_GREEN\"}",
                       &err);
  CHECK(k != NULL);
  if (k == NULL)
    goto done;
  CHECK_INT(k->i32, -5);
  CHECK(k->i64 == INT64_MIN);
  CHECK(k->u32 == UINT32_MAX);
  CHECK(k->u64 == UINT64_MAX);
  CHECK_INT(k->s32, 100);
  CHECK_INT(k->s64, 12345);
  CHECK_INT(k->f32, 7);
  CHECK_INT(k->f64, 8);
  CHECK_INT(k->sf32, -9);
  CHECK_INT(k->sf64, -10);
  CHECK(k->flt == 1.5f);
  CHECK(isinf(k->dbl) && k->dbl < 0);
  CHECK(k->flag);
  CHECK_STR(k->page_token, "页面 ✓");
  CHECK_INT(k->blob.len, 3);
  CHECK(k->blob.len == 3 && memcmp(k->blob.data, "hi?", 3) == 0);
  CHECK_INT(k->color, EHALL__TESTING__V1__COLOR__COLOR_GREEN);
  /* Floats as strings, NaN, numbers for enums. */
  k = parse(a, "{\"flt\":\"NaN\",\"dbl\":\"2.5e3\",\"color\":1,\"i32\":\"-7\"}", &err);
  CHECK(k != NULL && isnan(k->flt) && k->dbl == 2500 && k->color == 1 && k->i32 == -7);
done:
  arena_destroy(a);
}

static void test_scalars_print(void) {
  arena_t *a = arena_create(0);
  kitchen_t *k = (kitchen_t *)transcode_message_new(a, KITCHEN);
  CHECK_STR(print(a, k), "{}");
  k->i32 = -5;
  k->i64 = INT64_MIN;
  k->u32 = UINT32_MAX;
  k->u64 = UINT64_MAX;
  k->s32 = -1;
  k->s64 = 2;
  k->f32 = 3;
  k->f64 = 4;
  k->sf32 = -6;
  k->sf64 = 7;
  k->flt = 0.1f;
  k->dbl = 0.1;
  k->flag = 1;
  k->page_token = "a\"b\\c\n\x01 中";
  k->blob.data = (uint8_t *)"hi?>";
  k->blob.len = 4;
  k->color = EHALL__TESTING__V1__COLOR__COLOR_RED;
  CHECK_STR(print(a, k),
            "{\"i32\":-5,\"i64\":\"-9223372036854775808\",\"u32\":4294967295,"
            "\"u64\":\"18446744073709551615\",\"s32\":-1,\"s64\":\"2\",\"f32\":3,\"f64\":\"4\","
            "\"sf32\":-6,\"sf64\":\"7\",\"flt\":0.1,\"dbl\":0.1,\"flag\":true,"
            "\"pageToken\":\"a\\\"b\\\\c\\n\\u0001 中\",\"blob\":\"aGk/Pg==\",\"color\":\"COLOR_RED\"}");
  /* Special floats, an enum number without a name, large doubles. */
  kitchen_t *z = (kitchen_t *)transcode_message_new(a, KITCHEN);
  z->flt = NAN;
  z->dbl = 1e300;
  z->color = 42;
  CHECK_STR(print(a, z), "{\"flt\":\"NaN\",\"dbl\":1e+300,\"color\":42}");
  z->flt = -INFINITY;
  z->dbl = -0.0; /* not the default bit pattern: printed, as protobuf does */
  z->color = 0;
  CHECK_STR(print(a, z), "{\"flt\":\"-Infinity\",\"dbl\":-0}");
  /* Invalid UTF-8 in a reply string becomes U+FFFD instead of breaking the JSON. */
  kitchen_t *u = (kitchen_t *)transcode_message_new(a, KITCHEN);
  u->page_token = "a\xff"
                  "b";
  CHECK_STR(print(a, u), "{\"pageToken\":\"a\xEF\xBF\xBD"
                         "b\"}");
  arena_destroy(a);
}

static void test_names(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  kitchen_t *k = parse(a, "{\"page_token\":\"x\",\"names_by_id\":{\"1\":\"a\"}}", &err);
  CHECK(k != NULL && strcmp(k->page_token, "x") == 0 && k->n_names_by_id == 1);
  CHECK_STR(print(a, k), "{\"pageToken\":\"x\",\"namesById\":{\"1\":\"a\"}}");
  /* The same field under both names is a duplicate. */
  expect_error(a, "{\"page_token\":\"x\",\"pageToken\":\"y\"}", "pageToken",
               "field pageToken appears more than once");
  /* json_name from the schema: printed and accepted; the original name still works. */
  k = (kitchen_t *)transcode_json_to_pb(a, &schema_named, KITCHEN, "{\"renamed\":\"r\"}", strlen("{\"renamed\":\"r\"}"), &err);
  CHECK(k != NULL && strcmp(k->json_override, "r") == 0);
  size_t len;
  CHECK_STR(transcode_pb_to_json(a, &schema_named, &k->base, &len, &err), "{\"renamed\":\"r\"}");
  CHECK_STR(print(a, k), "{\"jsonOverride\":\"r\"}"); /* no callback: derived */
  k = (kitchen_t *)transcode_json_to_pb(a, &schema_named, KITCHEN, "{\"json_override\":\"o\"}", strlen("{\"json_override\":\"o\"}"), &err);
  CHECK(k != NULL && strcmp(k->json_override, "o") == 0);
  eh_err_clear(&err);
  k = (kitchen_t *)transcode_json_to_pb(a, &schema_named, KITCHEN, "{\"jsonOverride\":\"o\"}", strlen("{\"jsonOverride\":\"o\"}"),
                                        &err);
  CHECK(k == NULL && err.nfields == 1 && strcmp(err.fields[0].field, "jsonOverride") == 0);
  /* A NULL schema works: derived names, no Any types. */
  k = (kitchen_t *)transcode_json_to_pb(a, NULL, KITCHEN, "{\"pageToken\":\"n\"}", strlen("{\"pageToken\":\"n\"}"), &err);
  CHECK(k != NULL && strcmp(k->page_token, "n") == 0);
  CHECK_STR(transcode_pb_to_json(a, NULL, &k->base, NULL, &err), "{\"pageToken\":\"n\"}");
  arena_destroy(a);
}

static void test_presence(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  Ehall__Testing__V1__Presence *p =
      (Ehall__Testing__V1__Presence *)transcode_message_new(a, &ehall__testing__v1__presence__descriptor);
  CHECK_INT(p->with_default, 7);
  /* Required fields always print; unset optional ones do not, set ones do even at default. */
  CHECK_STR(print(a, p), "{\"req\":\"\"}");
  p->has_opt_i32 = 1;
  p->opt_i32 = 0;
  p->opt_str = "";
  p->has_opt_flag = 1;
  CHECK_STR(print(a, p), "{\"optI32\":0,\"optStr\":\"\",\"optFlag\":false,\"req\":\"\"}");
  const char *in = "{\"optI32\":0,\"optBlob\":\"\",\"withDefault\":7,\"req\":\"r\"}";
  p = (Ehall__Testing__V1__Presence *)transcode_json_to_pb(
      a, &schema, &ehall__testing__v1__presence__descriptor, in, strlen(in), &err);
  CHECK(p != NULL && p->has_opt_i32 && p->has_opt_blob && p->has_with_default && !p->has_opt_flag);
  CHECK(p != NULL && p->opt_str == NULL);
  CHECK_STR(print(a, p), in);
  /* null clears presence and restores the default. */
  in = "{\"withDefault\":null,\"optI32\":null}";
  CHECK(transcode_json_merge(a, &schema, &p->base, in, strlen(in), &err));
  CHECK(!p->has_with_default && p->with_default == 7 && !p->has_opt_i32);
  arena_destroy(a);
}

static void test_enums(void) {
  arena_t *a = arena_create(0);
  CHECK_STR(reprint(a, "{\"color\":\"COLOR_RED\",\"colors\":[\"COLOR_GREEN\",1,7]}"),
            "{\"color\":\"COLOR_RED\",\"colors\":[\"COLOR_GREEN\",\"COLOR_RED\",7]}");
  expect_error(a, "{\"color\":\"PURPLE\"}", "color", "field color has an invalid value PURPLE");
  expect_error(a, "{\"colors\":[\"COLOR_RED\",\"red\"]}", "colors[1]", NULL);
  expect_error(a, "{\"color\":1.5}", "color", NULL);
  expect_error(a, "{\"color\":true}", "color", "field color must be an enum name string");
  /* NullValue: null is its one value. */
  CHECK_STR(reprint(a, "{\"nothing\":null}"), "{}");
  arena_destroy(a);
}

static void test_bytes(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  const unsigned char want[] = {0xfb, 0xff, 0xbf};
  const char *forms[] = {"{\"blob\":\"+/+/\"}", "{\"blob\":\"-_-_\"}"};
  for (int i = 0; i < 2; i++) {
    kitchen_t *k = parse(a, forms[i], &err);
    CHECK(k != NULL && k->blob.len == 3 && memcmp(k->blob.data, want, 3) == 0);
  }
  kitchen_t *k = parse(a, "{\"blobs\":[\"YQ\",\"YQ==\",\"YWI\",\"YWJj\",\"\"]}", &err);
  CHECK(k != NULL && k->n_blobs == 5);
  if (k != NULL && k->n_blobs == 5) {
    CHECK(k->blobs[0].len == 1 && k->blobs[1].len == 1 && k->blobs[2].len == 2 &&
          k->blobs[3].len == 3 && k->blobs[4].len == 0);
    CHECK_STR(print(a, k), "{\"blobs\":[\"YQ==\",\"YQ==\",\"YWI=\",\"YWJj\",\"\"]}");
  }
  expect_error(a, "{\"blob\":\"a\"}", "blob", "field blob must be base64");
  expect_error(a, "{\"blob\":\"ab!d\"}", "blob", NULL);
  expect_error(a, "{\"blob\":\"YQ===\"}", "blob", NULL);
  expect_error(a, "{\"blob\":3}", "blob", "field blob must be a string");
  arena_destroy(a);
}

static void test_repeated_and_nested(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  const char *in = "{\"item\":{\"name\":\"a\",\"child\":{\"count\":2}},"
                   "\"items\":[{\"name\":\"x\"},{},{\"count\":3}],\"nums\":[1,\"2\",-3],"
                   "\"tags\":[\"t\",\"\"],\"dbls\":[0.5,\"NaN\"]}";
  kitchen_t *k = parse(a, in, &err);
  CHECK(k != NULL);
  if (k == NULL)
    goto done;
  CHECK(k->item != NULL && strcmp(k->item->name, "a") == 0 && k->item->child->count == 2);
  CHECK_INT(k->n_items, 3);
  CHECK(k->n_items == 3 && strcmp(k->items[1]->name, "") == 0 && k->items[2]->count == 3);
  CHECK(k->n_nums == 3 && k->nums[0] == 1 && k->nums[1] == 2 && k->nums[2] == -3);
  CHECK(k->n_tags == 2 && strcmp(k->tags[1], "") == 0);
  CHECK_STR(print(a, k), "{\"item\":{\"name\":\"a\",\"child\":{\"count\":2}},"
                         "\"items\":[{\"name\":\"x\"},{},{\"count\":3}],\"nums\":[1,2,-3],"
                         "\"tags\":[\"t\",\"\"],\"dbls\":[0.5,\"NaN\"]}");
  expect_error(a, "{\"items\":[{},{},{\"name\":5}]}", "items[2].name",
               "field items[2].name must be a string");
  eh_err_clear(&err);
  CHECK(parse(a, "{\"items\":[{},{},{\"name\":5}]}", &err) == NULL);
  CHECK_STR(err.message, "字段 items[2].name 应为字符串");
  CHECK_STR(err.fields[0].message, "字段 items[2].name 应为字符串");
  expect_error(a, "{\"nums\":[1,null]}", "nums[1]", "field nums[1] must not be null");
  expect_error(a, "{\"nums\":{}}", "nums", "field nums must be an array");
  expect_error(a, "{\"item\":[]}", "item", "field item must be an object");
  expect_error(a, "{\"item\":{\"child\":{\"child\":{\"nope\":1}}}}", "item.child.child.nope",
               "field item.child.child.nope is unknown");
done:
  arena_destroy(a);
}

static void test_maps(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  const char *in = "{\"labels\":{\"a\":1,\"b\":\"2\"},\"namesById\":{\"-5\":\"x\","
                   "\"9223372036854775807\":\"y\"},\"itemsByFlag\":{\"true\":{\"name\":\"t\"},"
                   "\"false\":{}}}";
  kitchen_t *k = parse(a, in, &err);
  CHECK(k != NULL);
  if (k == NULL)
    goto done;
  CHECK_INT(k->n_labels, 2);
  CHECK(strcmp(k->labels[1]->key, "b") == 0 && k->labels[1]->value == 2);
  CHECK(k->n_names_by_id == 2 && k->names_by_id[0]->key == -5 &&
        k->names_by_id[1]->key == INT64_MAX);
  CHECK(k->n_items_by_flag == 2 && k->items_by_flag[0]->key && !k->items_by_flag[1]->key);
  CHECK_STR(print(a, k), "{\"labels\":{\"a\":1,\"b\":2},\"namesById\":{\"-5\":\"x\","
                         "\"9223372036854775807\":\"y\"},\"itemsByFlag\":{\"true\":{\"name\":\"t\"},"
                         "\"false\":{}}}");
  expect_error(a, "{\"labels\":{\"key\":\"v\"}}", "labels.key",
               "field labels.key must be an integer");
  expect_error(a, "{\"namesById\":{\"abc\":\"v\"}}", "namesById.abc", NULL);
  expect_error(a, "{\"itemsByFlag\":{\"yes\":{}}}", "itemsByFlag.yes", NULL);
  expect_error(a, "{\"labels\":{\"k\":null}}", "labels.k", "field labels.k must not be null");
  expect_error(a, "{\"labels\":[]}", "labels", "field labels must be an object");
done:
  arena_destroy(a);
}

static void test_oneof(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  kitchen_t *k = parse(a, "{\"choiceNum\":\"0\"}", &err);
  CHECK(k != NULL && k->choice_case == EHALL__TESTING__V1__KITCHEN__CHOICE_CHOICE_NUM);
  /* A set oneof member prints even when it holds the default. */
  CHECK_STR(print(a, k), "{\"choiceNum\":\"0\"}");
  CHECK_STR(reprint(a, "{\"choiceItem\":{\"name\":\"n\"}}"), "{\"choiceItem\":{\"name\":\"n\"}}");
  CHECK_STR(reprint(a, "{\"choiceText\":\"\"}"), "{\"choiceText\":\"\"}");
  expect_error(a, "{\"choiceText\":\"a\",\"choiceNum\":1}", "choiceNum",
               "field choiceNum belongs to the same oneof as choice_text; set only one of them");
  /* null for a member does not count as setting it. */
  CHECK_STR(reprint(a, "{\"choiceText\":\"a\",\"choiceNum\":null}"), "{\"choiceText\":\"a\"}");
  /* Merging another member replaces the first (a message pointer is never read as a string). */
  k = parse(a, "{\"choiceText\":\"a\"}", &err);
  const char *m = "{\"choiceItem\":{\"count\":1}}";
  CHECK(k != NULL && transcode_json_merge(a, &schema, &k->base, m, strlen(m), &err));
  CHECK_STR(print(a, k), "{\"choiceItem\":{\"count\":1}}");
  arena_destroy(a);
}

static void test_timestamp(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  kitchen_t *k = parse(a, "{\"ts\":\"2024-01-02T15:04:05Z\"}", &err);
  CHECK(k != NULL && k->ts != NULL && k->ts->seconds == 1704207845 && k->ts->nanos == 0);
  CHECK_STR(reprint(a, "{\"ts\":\"2024-01-02T23:04:05.5+08:00\"}"),
            "{\"ts\":\"2024-01-02T15:04:05.500Z\"}");
  CHECK_STR(reprint(a, "{\"ts\":\"1970-01-01T00:00:00.000001Z\"}"),
            "{\"ts\":\"1970-01-01T00:00:00.000001Z\"}");
  CHECK_STR(reprint(a, "{\"ts\":\"1969-12-31T23:59:59.123456789-00:30\"}"),
            "{\"ts\":\"1970-01-01T00:29:59.123456789Z\"}");
  CHECK_STR(reprint(a, "{\"ts\":\"0001-01-01T00:00:00Z\"}"), "{\"ts\":\"0001-01-01T00:00:00Z\"}");
  CHECK_STR(reprint(a, "{\"ts\":\"9999-12-31T23:59:59.999999999Z\"}"),
            "{\"ts\":\"9999-12-31T23:59:59.999999999Z\"}");
  CHECK_STR(reprint(a, "{\"ts\":\"2024-02-29T00:00:00Z\"}"), "{\"ts\":\"2024-02-29T00:00:00Z\"}");
  /* Set but zero: the epoch is printed (message fields have presence). */
  CHECK_STR(reprint(a, "{\"ts\":\"1970-01-01T00:00:00Z\"}"), "{\"ts\":\"1970-01-01T00:00:00Z\"}");
  CHECK_STR(reprint(a, "{\"stamps\":[\"2000-01-01T00:00:00Z\"]}"),
            "{\"stamps\":[\"2000-01-01T00:00:00Z\"]}");
  const char *bad[] = {"2024-13-01T00:00:00Z", "2023-02-29T00:00:00Z", "2024-01-02T15:04:05",
                       "2024-01-02 15:04:05Z", "2024-01-02T24:00:00Z", "2024-01-02T15:04:05.Z",
                       "2024-01-02T15:04:05.1234567890Z", "2024-01-02T15:04:05+0800",
                       "0000-12-31T00:00:00Z"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char json[128];
    snprintf(json, sizeof(json), "{\"ts\":\"%s\"}", bad[i]);
    expect_error(a, json, "ts", NULL);
  }
  expect_error(a, "{\"stamps\":[\"2000-01-01T00:00:00Z\",\"x\"]}", "stamps[1]",
               "field stamps[1] must be an RFC 3339 time such as 2024-01-02T15:04:05Z");
  expect_error(a, "{\"ts\":1}", "ts", "field ts must be a string");
  /* Out of range on output is a server bug: EH_INTERNAL. */
  kitchen_t *o = (kitchen_t *)transcode_message_new(a, KITCHEN);
  Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
  ts.seconds = 253402300800LL;
  o->ts = &ts;
  eh_err_clear(&err);
  CHECK(transcode_pb_to_json(a, &schema, &o->base, NULL, &err) == NULL);
  CHECK_INT(err.code, EH_INTERNAL);
  arena_destroy(a);
}

static void test_duration(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  kitchen_t *k = parse(a, "{\"dur\":\"1.000340012s\"}", &err);
  CHECK(k != NULL && k->dur->seconds == 1 && k->dur->nanos == 340012);
  CHECK_STR(print(a, k), "{\"dur\":\"1.000340012s\"}");
  CHECK_STR(reprint(a, "{\"dur\":\"-1.5s\"}"), "{\"dur\":\"-1.500s\"}");
  CHECK_STR(reprint(a, "{\"dur\":\"-0.25s\"}"), "{\"dur\":\"-0.250s\"}");
  CHECK_STR(reprint(a, "{\"dur\":\"0s\"}"), "{\"dur\":\"0s\"}");
  CHECK_STR(reprint(a, "{\"dur\":\"3600.000001s\"}"), "{\"dur\":\"3600.000001s\"}");
  k = parse(a, "{\"dur\":\"-0.25s\"}", &err);
  CHECK(k != NULL && k->dur->seconds == 0 && k->dur->nanos == -250000000);
  const char *bad[] = {"1.5", "1.5ms", "s", "-s", "1.s", "+1s", "315576000001s", "1,5s"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char json[128];
    snprintf(json, sizeof(json), "{\"dur\":\"%s\"}", bad[i]);
    expect_error(a, json, "dur", NULL);
  }
  arena_destroy(a);
}

static void test_struct_value_list(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  const char *in = "{\"st\":{\"a\":1,\"b\":[true,null,\"x\",{}],\"c\":{\"d\":null},\"e\":-2.5},"
                   "\"val\":null,\"lv\":[1,\"a\",[],{\"k\":false}]}";
  kitchen_t *k = parse(a, in, &err);
  CHECK(k != NULL);
  if (k == NULL)
    goto done;
  CHECK(k->val != NULL && k->val->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_NULL_VALUE);
  CHECK(k->st != NULL && k->st->n_fields == 4 &&
        k->st->fields[0]->value->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE);
  CHECK_STR(print(a, k), in);
  CHECK_STR(reprint(a, "{\"val\":\"s\"}"), "{\"val\":\"s\"}");
  CHECK_STR(reprint(a, "{\"val\":{\"x\":[1,{\"y\":\"z\"}]}}"), "{\"val\":{\"x\":[1,{\"y\":\"z\"}]}}");
  CHECK_STR(reprint(a, "{\"val\":false}"), "{\"val\":false}");
  CHECK_STR(reprint(a, "{\"st\":{}}"), "{\"st\":{}}");
  CHECK_STR(reprint(a, "{\"st\":null}"), "{}"); /* null is the default for Struct */
  expect_error(a, "{\"st\":[1]}", "st", "field st must be an object");
  expect_error(a, "{\"lv\":{}}", "lv", "field lv must be an array");
  expect_error(a, "{\"st\":{\"a\":{\"b\":\"\xff\"}}}", "st.a.b", "field st.a.b is not valid UTF-8");
  /* A NaN number Value cannot be printed. */
  Google__Protobuf__Value v = GOOGLE__PROTOBUF__VALUE__INIT;
  v.kind_case = GOOGLE__PROTOBUF__VALUE__KIND_NUMBER_VALUE;
  v.number_value = NAN;
  eh_err_clear(&err);
  CHECK(transcode_pb_to_json(a, &schema, &v.base, NULL, &err) == NULL);
  /* Top-level Value and Struct bodies (for body: "field" of those types). */
  Google__Protobuf__Value *tv = (Google__Protobuf__Value *)transcode_json_to_pb(
      a, &schema, &google__protobuf__value__descriptor, "[1,2]", 5, &err);
  CHECK(tv != NULL && tv->kind_case == GOOGLE__PROTOBUF__VALUE__KIND_LIST_VALUE &&
        tv->list_value->n_values == 2);
  CHECK_STR(print(a, tv), "[1,2]");
done:
  arena_destroy(a);
}

static void test_wrappers(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  const char *in = "{\"wI64\":\"0\",\"wStr\":\"\",\"wBool\":false,\"wDbl\":1.25,"
                   "\"wBytes\":\"AA==\",\"wU32\":4294967295}";
  kitchen_t *k = parse(a, in, &err);
  CHECK(k != NULL && k->w_i64 != NULL && k->w_i64->value == 0 && k->w_str != NULL &&
        k->w_bool != NULL && k->w_u32->value == UINT32_MAX);
  /* A set wrapper prints even at its default: that is what a wrapper is for. */
  CHECK_STR(print(a, k), in);
  CHECK_STR(reprint(a, "{\"wI64\":12}"), "{\"wI64\":\"12\"}");
  CHECK_STR(reprint(a, "{\"wI64\":null,\"wStr\":null}"), "{}");
  expect_error(a, "{\"wBool\":\"yes\"}", "wBool", "field wBool must be true or false");
  expect_error(a, "{\"wU32\":-1}", "wU32", "field wU32 is out of range");
  expect_error(a, "{\"wStr\":{\"value\":\"x\"}}", "wStr", "field wStr must be a string");
  arena_destroy(a);
}

static void test_empty_fieldmask(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  kitchen_t *k = parse(a, "{\"empty\":{},\"mask\":\"pageToken,item.childCount,a\"}", &err);
  CHECK(k != NULL && k->empty != NULL && k->mask != NULL && k->mask->n_paths == 3);
  if (k != NULL && k->mask != NULL && k->mask->n_paths == 3) {
    CHECK_STR(k->mask->paths[0], "page_token");
    CHECK_STR(k->mask->paths[1], "item.child_count");
    CHECK_STR(k->mask->paths[2], "a");
  }
  CHECK_STR(print(a, k), "{\"mask\":\"pageToken,item.childCount,a\",\"empty\":{}}");
  CHECK_STR(reprint(a, "{\"mask\":\"\"}"), "{\"mask\":\"\"}");
  expect_error(a, "{\"empty\":{\"x\":1}}", "empty.x", "field empty.x is unknown");
  expect_error(a, "{\"mask\":\"page_token\"}", "mask", NULL);
  expect_error(a, "{\"mask\":[\"a\"]}", "mask", "field mask must be a string");
  arena_destroy(a);
}

static void test_any(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  const char *in = "{\"any\":{\"@type\":\"type.googleapis.com/ehall.testing.v1.Item\","
                   "\"name\":\"n\",\"count\":2}}";
  kitchen_t *k = parse(a, in, &err);
  CHECK(k != NULL && k->any != NULL);
  if (k == NULL || k->any == NULL)
    goto done;
  CHECK_STR(k->any->type_url, "type.googleapis.com/ehall.testing.v1.Item");
  Ehall__Testing__V1__Item *item =
      ehall__testing__v1__item__unpack(NULL, k->any->value.len, k->any->value.data);
  CHECK(item != NULL && strcmp(item->name, "n") == 0 && item->count == 2);
  if (item != NULL)
    ehall__testing__v1__item__free_unpacked(item, NULL);
  CHECK_STR(print(a, k), in);
  /* Field order in the Any object does not matter: "@type" may come last. */
  CHECK_STR(reprint(a, "{\"any\":{\"name\":\"n\",\"@type\":\"x/ehall.testing.v1.Item\"}}"),
            "{\"any\":{\"@type\":\"x/ehall.testing.v1.Item\",\"name\":\"n\"}}");
  /* Well-known types inside Any go under "value". */
  const char *wkt = "{\"any\":{\"@type\":\"type.googleapis.com/google.protobuf.Duration\","
                    "\"value\":\"1.500s\"}}";
  CHECK_STR(reprint(a, wkt), wkt);
  const char *nested = "{\"any\":{\"@type\":\"type.googleapis.com/google.protobuf.Any\","
                       "\"value\":{\"@type\":\"type.googleapis.com/google.protobuf.Empty\","
                       "\"value\":{}}}}";
  CHECK_STR(reprint(a, nested), nested);
  CHECK_STR(reprint(a, "{\"any\":{}}"), "{\"any\":{}}");
  expect_error(a, "{\"any\":{\"@type\":\"type.googleapis.com/no.Such\"}}", "any.@type",
               "field any.@type names an unknown type type.googleapis.com/no.Such");
  expect_error(a, "{\"any\":{\"name\":\"n\"}}", "any", "field any lacks @type");
  expect_error(a, "{\"any\":{\"@type\":\"x/ehall.testing.v1.Item\",\"bad\":1}}", "any.bad", NULL);
  expect_error(a,
               "{\"any\":{\"@type\":\"x/google.protobuf.Duration\",\"value\":\"1\"}}",
               "any.value", NULL);
  /* Without find_message no Any can be parsed. */
  eh_err_clear(&err);
  CHECK(transcode_json_to_pb(a, NULL, KITCHEN, in, strlen(in), &err) == NULL);
done:
  arena_destroy(a);
}

static void test_null_means_default(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  kitchen_t *k = parse(a, "{\"i32\":5,\"item\":{},\"tags\":[\"a\"],\"pageToken\":\"p\"}", &err);
  const char *nulls = "{\"i32\":null,\"item\":null,\"tags\":null,\"pageToken\":null,"
                      "\"ts\":null,\"blob\":null,\"color\":null,\"labels\":null}";
  CHECK(k != NULL && transcode_json_merge(a, &schema, &k->base, nulls, strlen(nulls), &err));
  CHECK(k != NULL && k->i32 == 0 && k->item == NULL && k->n_tags == 0 &&
        k->page_token != NULL && k->page_token[0] == '\0');
  CHECK_STR(print(a, k), "{}");
  arena_destroy(a);
}

static void test_number_errors(void) {
  arena_t *a = arena_create(0);
  expect_error(a, "{\"i32\":2147483648}", "i32", "field i32 is out of range");
  expect_error(a, "{\"i32\":\"-2147483649\"}", "i32", "field i32 is out of range");
  expect_error(a, "{\"u32\":-1}", "u32", "field u32 is out of range");
  expect_error(a, "{\"u64\":\"-1\"}", "u64", "field u64 is out of range");
  expect_error(a, "{\"u64\":\"18446744073709551616\"}", "u64", "field u64 is out of range");
  expect_error(a, "{\"i64\":\"9223372036854775808\"}", "i64", "field i64 is out of range");
  expect_error(a, "{\"i32\":1.5}", "i32", "field i32 must be an integer");
  expect_error(a, "{\"i32\":\"1.5\"}", "i32", "field i32 must be an integer");
  expect_error(a, "{\"i32\":\"\"}", "i32", "field i32 must be an integer");
  expect_error(a, "{\"i32\":\" 1\"}", "i32", "field i32 must be an integer");
  expect_error(a, "{\"i32\":\"0x10\"}", "i32", "field i32 must be an integer");
  expect_error(a, "{\"i32\":\"+1\"}", "i32", "field i32 must be an integer");
  expect_error(a, "{\"i32\":true}", "i32", "field i32 must be an integer");
  expect_error(a, "{\"i64\":12345678901234567890}", "i64", NULL); /* beyond 2^53 as a number */
  expect_error(a, "{\"flt\":1e39}", "flt", "field flt is out of range");
  expect_error(a, "{\"dbl\":\"1e999\"}", "dbl", "field dbl is out of range");
  expect_error(a, "{\"dbl\":\"inf\"}", "dbl", "field dbl must be a number");
  expect_error(a, "{\"dbl\":\"nan\"}", "dbl", "field dbl must be a number");
  expect_error(a, "{\"dbl\":[]}", "dbl", "field dbl must be a number");
  expect_error(a, "{\"flag\":\"true\"}", "flag", "field flag must be true or false");
  expect_error(a, "{\"flag\":1}", "flag", NULL);
  /* Integral exponents and numeric strings are fine. */
  CHECK_STR(reprint(a, "{\"i64\":\"1e3\",\"i32\":2.0,\"u64\":9007199254740992}"),
            "{\"i32\":2,\"i64\":\"1000\",\"u64\":\"9007199254740992\"}");
  arena_destroy(a);
}

static void test_structure_errors(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  expect_error(a, "{\"nope\":1}", "nope", "field nope is unknown");
  eh_err_clear(&err);
  CHECK(parse(a, "{\"nope\":1}", &err) == NULL);
  CHECK_STR(err.message, "字段 nope 未定义");
  expect_error(a, "[]", NULL, "the body must be an object");
  /* Echoed keys stay valid UTF-8, so the error itself can be printed as JSON. */
  expect_error(a, "{\"a\xff\":1}", "a?", "field a? is unknown");
  expect_error(a, "{\"color\":\"\xe4\xb8\"}", "color", "field color has an invalid value ??");
  expect_error(a, "\"x\"", NULL, "the body must be an object");
  expect_error(a, "{\"pageToken\":\"bad \xc3\x28\"}", "pageToken",
               "field pageToken is not valid UTF-8");
  expect_error(a, "{\"tags\":[\"\xed\xa0\x80\"]}", "tags[0]", NULL); /* a UTF-16 surrogate */
  expect_error(a, "{\"pageToken\":\"\xc0\xaf\"}", "pageToken", NULL); /* overlong */
  /* Malformed JSON: no field, the byte offset in the message. */
  eh_err_clear(&err);
  CHECK(parse(a, "{\"i32\":1,}", &err) == NULL);
  CHECK_INT(err.code, EH_INVALID);
  CHECK_INT(err.nfields, 0);
  CHECK(strstr(err.message_en, "the request body is not valid JSON") != NULL);
  CHECK(strstr(err.message, "请求体不是有效的 JSON") != NULL);
  CHECK(strstr(err.message_en, "byte 9") != NULL);
  expect_error(a, "{\"i32\":1} x", NULL, "the request body is not valid JSON (near byte 10)");
  expect_error(a, "{\"i32\":", NULL, NULL);
  expect_error(a, "{\"a\":\"\\ud800\"}", NULL, NULL);
  /* Nesting: TRANSCODE_MAX_DEPTH message levels pass, one more fails. */
  char deep[4096];
  for (int levels = TRANSCODE_MAX_DEPTH; levels <= TRANSCODE_MAX_DEPTH + 1; levels++) {
    size_t o = 0;
    o += (size_t)snprintf(deep + o, sizeof(deep) - o, "{\"item\":");
    for (int i = 1; i < levels; i++)
      o += (size_t)snprintf(deep + o, sizeof(deep) - o, "{\"child\":");
    o += (size_t)snprintf(deep + o, sizeof(deep) - o, "{}");
    for (int i = 0; i < levels; i++)
      deep[o++] = '}';
    deep[o] = '\0';
    eh_err_clear(&err);
    kitchen_t *k = parse(a, deep, &err);
    if (levels == TRANSCODE_MAX_DEPTH) {
      CHECK(k != NULL);
    } else {
      CHECK(k == NULL);
      CHECK(strstr(err.message_en, "nested deeper than") != NULL);
    }
  }
  /* Struct nesting counts too. */
  size_t o = 0;
  o += (size_t)snprintf(deep + o, sizeof(deep) - o, "{\"st\":");
  for (int i = 0; i < 100; i++)
    o += (size_t)snprintf(deep + o, sizeof(deep) - o, "{\"a\":");
  o += (size_t)snprintf(deep + o, sizeof(deep) - o, "1");
  for (int i = 0; i < 101; i++)
    deep[o++] = '}';
  deep[o] = '\0';
  eh_err_clear(&err);
  CHECK(parse(a, deep, &err) == NULL && strstr(err.message_en, "nested deeper than") != NULL);
  arena_destroy(a);
}

static void test_body_edges(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  /* An empty body is the empty message. */
  kitchen_t *k = (kitchen_t *)transcode_json_to_pb(a, &schema, KITCHEN, "", 0, &err);
  CHECK(k != NULL && k->page_token != NULL);
  k = (kitchen_t *)transcode_json_to_pb(a, &schema, KITCHEN, " \r\n\t", 4, &err);
  CHECK(k != NULL);
  k = (kitchen_t *)transcode_json_to_pb(a, &schema, KITCHEN, NULL, 0, &err);
  CHECK(k != NULL);
  /* The length bounds the body: bytes after it are not read. */
  const char buf[] = "{\"i32\":7}garbage";
  k = (kitchen_t *)transcode_json_to_pb(a, &schema, KITCHEN, buf, 9, &err);
  CHECK(k != NULL && k->i32 == 7);
  char *exact = malloc(9); /* no NUL anywhere: ASan would catch a read past the end */
  memcpy(exact, "{\"i32\":8}", 9);
  k = (kitchen_t *)transcode_json_to_pb(a, &schema, KITCHEN, exact, 9, &err);
  CHECK(k != NULL && k->i32 == 8);
  eh_err_clear(&err);
  CHECK(transcode_json_to_pb(a, &schema, KITCHEN, exact, 8, &err) == NULL);
  free(exact);
  CHECK_STR(reprint(a, " { } "), "{}");
  arena_destroy(a);
}

static void test_merge(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  kitchen_t *k = parse(a, "{\"i32\":1,\"item\":{\"name\":\"a\"},\"tags\":[\"x\"]}", &err);
  const char *more = "{\"i64\":2,\"item\":{\"count\":3},\"tags\":[\"y\",\"z\"]}";
  CHECK(k != NULL && transcode_json_merge(a, &schema, &k->base, more, strlen(more), &err));
  /* Scalars kept or overwritten, sub-messages merged, repeated fields replaced. */
  CHECK_STR(print(a, k), "{\"i32\":1,\"i64\":\"2\",\"item\":{\"name\":\"a\",\"count\":3},"
                         "\"tags\":[\"y\",\"z\"]}");
  arena_destroy(a);
}

static void test_set_field_text(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  kitchen_t *k = (kitchen_t *)transcode_message_new(a, KITCHEN);
  struct {
    const char *path, *value;
  } sets[] = {
      {"i32", "-3"},         {"i64", "9223372036854775807"}, {"page_token", "p q"},
      {"pageToken", "pt"},   {"flag", "true"},               {"color", "COLOR_RED"},
      {"colors", "2"},       {"colors", "COLOR_RED"},        {"tags", "a"},
      {"tags", "b"},         {"item.name", "nm"},            {"item.child.count", "4"},
      {"ts", "2024-01-02T15:04:05Z"}, {"dur", "2s"},         {"w_i64", "7"},
      {"wBool", "false"},    {"blob", "aGk"},                {"choiceNum", "5"},
      {"mask", "a,bC"},      {"dbl", "NaN"},                 {"stamps", "2000-01-01T00:00:00Z"},
      {"nums", "1e1"},
  };
  for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
    eh_err_clear(&err);
    bool ok = transcode_set_field_text(a, &schema, &k->base, sets[i].path, sets[i].value, &err);
    CHECK(ok);
    if (!ok)
      fprintf(stderr, "  %s=%s: %s\n", sets[i].path, sets[i].value, err.message_en);
  }
  CHECK_STR(print(a, k),
            "{\"i32\":-3,\"i64\":\"9223372036854775807\",\"dbl\":\"NaN\",\"flag\":true,"
            "\"pageToken\":\"pt\",\"blob\":\"aGk=\",\"color\":\"COLOR_RED\","
            "\"item\":{\"name\":\"nm\",\"child\":{\"count\":4}},\"nums\":[10],"
            "\"tags\":[\"a\",\"b\"],\"colors\":[\"COLOR_GREEN\",\"COLOR_RED\"],"
            "\"choiceNum\":\"5\",\"ts\":\"2024-01-02T15:04:05Z\",\"dur\":\"2s\",\"wI64\":\"7\","
            "\"wBool\":false,\"mask\":\"a,bC\",\"stamps\":[\"2000-01-01T00:00:00Z\"]}");
  struct {
    const char *path, *value, *field, *en;
  } bad[] = {
      {"nope", "1", "nope", "field nope is unknown"},
      {"i32", "abc", "i32", "field i32 must be an integer"},
      {"flag", "1", "flag", "field flag must be true or false"},
      {"labels", "x", "labels", "field labels cannot be set from text"},
      {"item", "x", "item", "field item cannot be set from text"},
      {"item.nope", "x", "item.nope", "field item.nope is unknown"},
      {"i32.x", "1", "i32.x", "field i32.x is not a valid path"},
      {"items.name", "1", "items.name", "field items.name is not a valid path"},
      {"item..name", "1", "item..name", NULL},
      {"color", "BLUE", "color", "field color has an invalid value BLUE"},
      {"ts", "yesterday", "ts", NULL},
      {"tags", "\xff", "tags", "field tags is not valid UTF-8"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    eh_err_clear(&err);
    CHECK(!transcode_set_field_text(a, &schema, &k->base, bad[i].path, bad[i].value, &err));
    CHECK_INT(err.code, EH_INVALID);
    CHECK_STR(err.nfields ? err.fields[0].field : "(none)", bad[i].field);
    if (bad[i].en != NULL)
      CHECK_STR(err.message_en, bad[i].en);
  }
  /* A failed append leaves the repeated field as it was. */
  CHECK_INT(k->n_tags, 2);
  arena_destroy(a);
}

static void test_field_at_and_set_message(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  const ProtobufCFieldDescriptor *f = transcode_field_at(&schema, KITCHEN, "item.child");
  CHECK(f != NULL && f->type == PROTOBUF_C_TYPE_MESSAGE &&
        f->descriptor == &ehall__testing__v1__item__descriptor);
  CHECK(transcode_field_at(&schema, KITCHEN, "st") != NULL);
  CHECK(transcode_field_at(&schema, KITCHEN, "nope") == NULL);
  CHECK(transcode_field_at(&schema, KITCHEN, "items.name") == NULL);
  /* body: "item.child": parse the body as Item, then store it. */
  const char *body = "{\"name\":\"c\"}";
  ProtobufCMessage *child = transcode_json_to_pb(a, &schema, f->descriptor, body, strlen(body), &err);
  kitchen_t *k = (kitchen_t *)transcode_message_new(a, KITCHEN);
  CHECK(child != NULL && transcode_set_field_message(a, &schema, &k->base, "item.child", child, &err));
  CHECK_STR(print(a, k), "{\"item\":{\"child\":{\"name\":\"c\"}}}");
  CHECK(transcode_set_field_message(a, &schema, &k->base, "choice_item", child, &err));
  CHECK(k->choice_case == EHALL__TESTING__V1__KITCHEN__CHOICE_CHOICE_ITEM);
  CHECK(transcode_set_field_message(a, &schema, &k->base, "items", child, &err));
  CHECK_INT(k->n_items, 1);
  eh_err_clear(&err);
  CHECK(!transcode_set_field_message(a, &schema, &k->base, "ts", child, &err));
  CHECK_STR(err.nfields ? err.fields[0].field : "(none)", "ts");
  arena_destroy(a);
}

/* The parsed message is a valid protobuf-c message: it packs, unpacks and prints the same. */
static void test_full_round_trip(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  const char *in =
      "{\"i32\":1,\"i64\":\"-2\",\"u32\":3,\"u64\":\"4\",\"s32\":-5,\"s64\":\"6\",\"f32\":7,"
      "\"f64\":\"8\",\"sf32\":-9,\"sf64\":\"10\",\"flt\":1.5,\"dbl\":-2.25,\"flag\":true,"
      "\"pageToken\":\"令牌\",\"blob\":\"AQID\",\"color\":\"COLOR_GREEN\","
      "\"item\":{\"name\":\"i\",\"count\":1,\"child\":{\"name\":\"c\"}},"
      "\"items\":[{\"name\":\"a\"},{\"count\":2}],\"nums\":[1,2,3],\"tags\":[\"x\",\"y\"],"
      "\"colors\":[\"COLOR_RED\"],\"labels\":{\"k\":1},\"namesById\":{\"7\":\"seven\"},"
      "\"itemsByFlag\":{\"false\":{\"count\":9}},\"choiceText\":\"ch\","
      "\"ts\":\"2024-05-06T07:08:09.010Z\",\"dur\":\"0.000000001s\","
      "\"st\":{\"form\":{\"name\":\"张三\",\"age\":20,\"tags\":[\"a\",null,true]}},"
      "\"val\":[1,\"2\"],\"lv\":[{},[]],\"wI64\":\"-1\",\"wStr\":\"s\",\"wBool\":true,"
      "\"wDbl\":0,\"wBytes\":\"\",\"wU32\":1,"
      "\"any\":{\"@type\":\"type.googleapis.com/ehall.testing.v1.Item\",\"name\":\"x\"},"
      "\"mask\":\"a.b,cD\",\"empty\":{},\"stamps\":[\"2024-01-01T00:00:00Z\"],"
      "\"blobs\":[\"AA==\"],\"dbls\":[1,\"Infinity\"],\"renamed\":\"j\"}";
  kitchen_t *k = (kitchen_t *)transcode_json_to_pb(a, &schema_named, KITCHEN, in, strlen(in), &err);
  CHECK(k != NULL);
  if (k == NULL) {
    fprintf(stderr, "  %s\n", err.message_en);
    goto done;
  }
  size_t len;
  const char *out = transcode_pb_to_json(a, &schema_named, &k->base, &len, &err);
  CHECK_STR(out, in);
  size_t size = protobuf_c_message_get_packed_size(&k->base);
  uint8_t *wire = arena_alloc(a, size);
  protobuf_c_message_pack(&k->base, wire);
  ProtobufCAllocator alloc = arena_pb_allocator(a);
  ProtobufCMessage *back = protobuf_c_message_unpack(KITCHEN, &alloc, size, wire);
  CHECK(back != NULL);
  if (back != NULL)
    CHECK_STR(transcode_pb_to_json(a, &schema_named, back, &len, &err), in);
done:
  arena_destroy(a);
}

int main(void) {
  RUN(test_json_name_derive);
  RUN(test_scalars_parse);
  RUN(test_scalars_print);
  RUN(test_names);
  RUN(test_presence);
  RUN(test_enums);
  RUN(test_bytes);
  RUN(test_repeated_and_nested);
  RUN(test_maps);
  RUN(test_oneof);
  RUN(test_timestamp);
  RUN(test_duration);
  RUN(test_struct_value_list);
  RUN(test_wrappers);
  RUN(test_empty_fieldmask);
  RUN(test_any);
  RUN(test_null_means_default);
  RUN(test_number_errors);
  RUN(test_structure_errors);
  RUN(test_body_edges);
  RUN(test_merge);
  RUN(test_set_field_text);
  RUN(test_field_at_and_set_message);
  RUN(test_full_round_trip);
  return test_done();
}
