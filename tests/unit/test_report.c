/* test_report.c - the daemons' stats model rendered as text and JSON:
 * unknown values are "-" and null, the document has lib/json's header. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "report.h"

static char *render(const struct tunnel_report *r, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	assert_non_null(f);
	if (json) {
		json_begin(&j, f);
		report_json(&j, r);
		json_end(&j);
	} else {
		report_text(f, r);
	}
	fclose(f);
	return buf;
}

static void client_model(struct tunnel_report *r)
{
	const char *err = NULL;

	memset(r, 0, sizeof(*r));
	assert_int_equal(report_alloc(r, 0, 2), 0);
	addr_resolve("127.0.0.1", 4000, false, &r->listen, &err);
	r->session = 0xabcdef0123456789ull;
	r->npaths = 2;
	r->nflows = 1;
	r->paths[0] = (struct report_path){ .index = 0, .name = "bridge-a:4001", .alive = 1,
					    .rtt = 0.0015 };
	r->paths[0].st.sent = 10;
	r->paths[0].srtt = 0.020;
	r->paths[0].rttvar = 0.005;
	r->paths[0].loss[0] = 0.1;
	r->paths[0].loss[1] = 0;
	r->paths[0].burst[0] = 1.5;
	r->paths[0].burst[1] = NAN;
	r->paths[0].state = "up";
	r->paths[1] = (struct report_path){ .index = 1, .name = "bridge-b:4002", .alive = 0,
					    .rtt = NAN, .srtt = NAN, .rttvar = NAN,
					    .loss = { NAN, NAN }, .burst = { NAN, NAN } };
	r->cnt.drop[DROP_EPOCH] = 3;
	r->cnt.wire[WIRE_E_SHORT] = 2;
}

static void test_client_text_json(void **state)
{
	struct tunnel_report r;
	char *t, *j;

	(void)state;
	client_model(&r);
	t = render(&r, false);
	assert_non_null(strstr(t, "mpclient: session abcdef0123456789, listening on 127.0.0.1:4000, 2 paths, 1 flows\n"));
	assert_non_null(strstr(t, "  path 0 bridge-a:4001 up rtt 1.500ms sent 10 "));
	assert_non_null(strstr(t, "  path 1 bridge-b:4002 down rtt - sent 0 "));
	assert_non_null(strstr(t, "drops: wire_short 2 epoch 3\n"));
	/* per-path quality (pathq.h): figures, or "-" while unknown */
	assert_non_null(strstr(t, " srtt 20.000ms rttvar 5.000ms loss tx 10.00% rx 0.00% burst tx 1.50 rx - state up\n"));
	assert_non_null(strstr(t, " srtt - rttvar - loss tx - rx - burst tx - rx - state -\n"));
	j = render(&r, true);
	assert_true(strncmp(j, "{\"program\":\"mpclient\",\"version\":\"", 33) == 0);
	assert_non_null(strstr(j, "\"time\":\""));
	assert_non_null(strstr(j, "\"peer\":\"bridge-a:4001\",\"alive\":true,\"rtt_ms\":1.5,"));
	assert_non_null(strstr(j, "\"peer\":\"bridge-b:4002\",\"alive\":false,\"rtt_ms\":null,"));
	assert_non_null(strstr(j, "\"srtt_ms\":20,\"rttvar_ms\":5,\"loss_tx\":0.1,\"loss_rx\":0,\"burst_tx\":1.5,\"burst_rx\":null,\"state\":\"up\","));
	assert_non_null(strstr(j, "\"srtt_ms\":null,\"rttvar_ms\":null,\"loss_tx\":null,\"loss_rx\":null,\"burst_tx\":null,\"burst_rx\":null,\"state\":null,"));
	assert_non_null(strstr(j, "\"malformed\":2,\"drops\":{"));
	assert_non_null(strstr(j, "\"epoch\":3,"));
	/* the reasons counted elsewhere are not listed twice */
	assert_null(strstr(j, "\"duplicate\""));
	assert_string_equal(j + strlen(j) - 3, "}}\n");
	free(t);
	free(j);
	report_free(&r);
}

static void test_server_text_json(void **state)
{
	struct tunnel_report r;
	const char *err = NULL;
	char *t, *j;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(report_alloc(&r, 2, 3), 0);
	r.server = true;
	r.sealed = true;
	addr_resolve("0.0.0.0", 2000, true, &r.listen, &err);
	addr_resolve("127.0.0.1", 6666, false, &r.target, &err);
	r.nsessions = 2;
	r.npaths = 3;
	r.nflows = 4;
	r.sessions[0] = (struct report_session){ .id = 0x11, .nflows = 3, .npaths = 2, .paths = &r.paths[0] };
	r.sessions[1] = (struct report_session){ .id = 0x22, .nflows = 1, .npaths = 1, .paths = &r.paths[2] };
	for (int i = 0; i < 3; i++) {
		addr_resolve("127.0.0.1", (uint16_t)(5000 + i), false, &r.paths[i].peer, &err);
		r.paths[i].alive = -1;
		r.paths[i].rtt = NAN;
		r.paths[i].st.received = (uint64_t)i + 1;
	}
	r.total.received = 6;
	t = render(&r, false);
	assert_non_null(strstr(t, "mpserver: listening on 0.0.0.0:2000, target 127.0.0.1:6666, 2 sessions, 4 flows\n"));
	assert_non_null(strstr(t, "  session 0000000000000022: 1 flows\n    path 0 127.0.0.1:5002 sent 0 received 3 "));
	assert_non_null(strstr(t, "  drops: none\n"));
	j = render(&r, true);
	assert_true(strncmp(j, "{\"program\":\"mpserver\",", 22) == 0);
	assert_non_null(strstr(j, "\"sealed\":true,\"sessions_open\":2,\"flows_open\":4,"));
	assert_non_null(strstr(j, "{\"session\":\"0000000000000011\",\"flows\":3,\"paths\":[{\"index\":0,\"peer\":\"127.0.0.1:5000\",\"srtt_ms\":null,"));
	assert_non_null(strstr(j, "\"total\":{\"sent\":0,\"send_errors\":0,\"received\":6,"));
	free(t);
	free(j);
	report_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_text_json),
		cmocka_unit_test(test_server_text_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
