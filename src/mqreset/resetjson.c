/*
 * resetjson.c - the JSON outcome of `mqreset reset`.  See
 * include/mqreset/resetjson.h.
 */
#include "resetjson.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/* A string, or null when NULL or empty. */
static void
resetjson_str(cJSON *o, const char *name, const char *v)
{
	if (v != NULL && v[0] != '\0')
		cJSON_AddStringToObject(o, name, v);
	else
		cJSON_AddNullToObject(o, name);
}

char *
resetjson_format(const struct resetjson *r)
{
	cJSON *o, *err;
	char *text, *out;

	o = cJSON_CreateObject();
	if (o == NULL)
		return NULL;
	resetjson_str(o, "status", r->status);
	resetjson_str(o, "outcome", r->outcome);
	resetjson_str(o, "request_id", r->request_id);
	if (r->http_status > 0)
		cJSON_AddNumberToObject(o, "http_status",
		    (double)r->http_status);
	else
		cJSON_AddNullToObject(o, "http_status");
	if ((r->code != NULL && r->code[0] != '\0') ||
	    (r->message != NULL && r->message[0] != '\0')) {
		err = cJSON_AddObjectToObject(o, "error");
		if (err != NULL) {
			resetjson_str(err, "code", r->code);
			resetjson_str(err, "message", r->message);
			resetjson_str(err, "recommend", r->recommend);
		}
	} else
		cJSON_AddNullToObject(o, "error");
	cJSON_AddBoolToObject(o, "maybe_applied", r->maybe_applied != 0);
	if (r->latency_ms >= 0)
		cJSON_AddNumberToObject(o, "latency_ms",
		    (double)r->latency_ms);
	else
		cJSON_AddNullToObject(o, "latency_ms");
	resetjson_str(o, "endpoint", r->endpoint);
	if (r->key != NULL) {
		resetjson_str(o, "instance", r->key->instance);
		resetjson_str(o, "group", r->key->group);
		resetjson_str(o, "topic", r->key->topic);
		cJSON_AddNumberToObject(o, "type", r->key->type);
		resetjson_str(o, "reset_time", r->reset_time);
		if (r->key->reset_ms >= 0)
			cJSON_AddNumberToObject(o, "reset_ms",
			    (double)r->key->reset_ms);
		else
			cJSON_AddNullToObject(o, "reset_ms");
	}
	text = cJSON_Print(o);
	cJSON_Delete(o);
	if (text == NULL)
		return NULL;
	/* Handed over with free(), whatever allocator cJSON uses. */
	out = strdup(text);
	cJSON_free(text);
	return out;
}
