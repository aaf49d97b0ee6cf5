// SPDX-License-Identifier: MIT
/* Tests for user/core/dockercfg.c: container name and labels from
 * config.v2.json, and the container id check. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "owner/dockercfg.h"
#include "tt_test.h"

#define ID "3f4e8a1c9b2d7e6f0a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f"

/* Trimmed from a real file (docker 24, compose): the fields around the
 * ones read, so the parser has to skip them. */
static const char realistic[] =
	"{\"StreamConfig\":{},\"State\":{\"Running\":true,\"Paused\":false,"
	"\"Restarting\":false,\"OOMKilled\":false,\"Dead\":false,"
	"\"Pid\":41233,\"ExitCode\":0,\"Error\":\"\","
	"\"StartedAt\":\"2024-05-02T09:14:07.123456789Z\","
	"\"FinishedAt\":\"0001-01-01T00:00:00Z\",\"Health\":null},"
	"\"ID\":\"" ID "\","
	"\"Created\":\"2024-05-02T09:14:06.9Z\",\"Managed\":false,"
	"\"Path\":\"/docker-entrypoint.sh\",\"Args\":[\"nginx\"],"
	"\"Config\":{\"Hostname\":\"3f4e8a1c9b2d\",\"Domainname\":\"\","
	"\"User\":\"\",\"Tty\":false,"
	"\"Env\":[\"SECRET=x\",\"PATH=/usr/local/sbin:/usr/bin\","
	"\"OPENAI_API_KEY=sk-proj-notarealkeyNOTAREALKEY\"],"
	"\"Cmd\":[\"nginx\",\"-g\",\"daemon off;\"],"
	"\"Image\":\"nginx:1.25\",\"Volumes\":null,\"WorkingDir\":\"\","
	"\"Entrypoint\":[\"/docker-entrypoint.sh\"],\"OnBuild\":null,"
	"\"Labels\":{\"com.docker.compose.service\":\"web\","
	"\"team\":\"payments\"},\"StopSignal\":\"SIGQUIT\"},"
	"\"Image\":\"sha256:a8758716bb6aa4d90071160d27028fe4"
	"eaee7ce8166221a97d30440c8eac2be6\","
	"\"NetworkSettings\":{\"Bridge\":\"\",\"Networks\":{\"app_default\":"
	"{\"IPAddress\":\"172.18.0.2\"}}},"
	"\"LogPath\":\"/var/lib/docker/containers/" ID "/" ID "-json.log\","
	"\"Name\":\"/web-1\",\"RestartCount\":0,\"Driver\":\"overlay2\","
	"\"MountLabel\":\"\",\"ProcessLabel\":\"\",\"AppArmorProfile\":\"\","
	"\"HostnamePath\":\"/var/lib/docker/containers/" ID "/hostname\"}\n";

static int parse(const char *text, struct tt_docker_info *info)
{
	/* Garbage first, so "zeroed in every case" is what is checked. */
	memset(info, 'x', sizeof(*info));
	return tt_docker_parse_config(text, strlen(text), info);
}

static int all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

TT_TEST(realistic_file)
{
	struct tt_docker_info info;

	TT_CHECK_EQ_INT(parse(realistic, &info), 0);
	TT_CHECK_EQ_STR(info.name, "web-1");
	TT_CHECK_EQ_INT(info.name_dropped, 0);
	TT_CHECK_EQ_INT(info.n_labels, 2);
	TT_CHECK_EQ_STR(info.labels[0].key, "com.docker.compose.service");
	TT_CHECK_EQ_STR(info.labels[0].value, "web");
	TT_CHECK_EQ_STR(info.labels[1].key, "team");
	TT_CHECK_EQ_STR(info.labels[1].value, "payments");
	TT_CHECK_EQ_INT(info.labels_dropped, 0);
	/* Unused slots are zero, not left over from anything. */
	TT_CHECK(all_zero(&info.labels[2],
			  sizeof(info.labels) - 2 * sizeof(info.labels[0])));
}

TT_TEST(env_never_copied)
{
	static const char *const secrets[] = { "SECRET", "sk-proj", "PATH=",
					       "/usr/local", "notarealkey" };
	struct tt_docker_info info;

	TT_CHECK_EQ_INT(parse(realistic, &info), 0);
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		tt_case("%s", secrets[i]);
		TT_CHECK(!memmem(&info, sizeof(info), secrets[i],
				 strlen(secrets[i])));
	}
	/* "x", SECRET's value, is too short to search for on its own: a
	 * file whose labels and name say nothing must give an empty struct. */
	TT_CHECK_EQ_INT(parse("{\"Config\":{\"Env\":[\"SECRET=x\"],"
			      "\"Labels\":{}}}", &info), 0);
	TT_CHECK(all_zero(&info, sizeof(info)));
}

TT_TEST(no_labels)
{
	static const char *const texts[] = {
		"{\"Name\":\"/db\",\"Config\":{\"Image\":\"pg\"}}",
		"{\"Name\":\"/db\",\"Config\":{\"Labels\":null}}",
		"{\"Name\":\"/db\",\"Config\":{\"Labels\":{}}}",
		"{\"Name\":\"/db\",\"Config\":null}",
		"{\"Name\":\"/db\"}",
		/* Not the shapes Docker writes: no labels, not an error. */
		"{\"Name\":\"/db\",\"Config\":{\"Labels\":[\"a=b\"]}}",
		"{\"Name\":\"/db\",\"Config\":\"Labels\"}",
		/* Labels at the top level are not Config's labels. */
		"{\"Name\":\"/db\",\"Labels\":{\"a\":\"b\"}}",
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct tt_docker_info info;

		tt_case("%zu", i);
		TT_CHECK_EQ_INT(parse(texts[i], &info), 0);
		TT_CHECK_EQ_STR(info.name, "db");
		TT_CHECK_EQ_INT(info.n_labels, 0);
		TT_CHECK_EQ_INT(info.labels_dropped, 0);
		TT_CHECK(all_zero(info.labels, sizeof(info.labels)));
	}
}

TT_TEST(name_forms)
{
	static const struct {
		const char *text;
		const char *name;
	} cases[] = {
		{ "{\"Config\":{\"Labels\":{\"a\":\"b\"}}}", "" },
		{ "{\"Name\":\"\"}", "" },
		{ "{\"Name\":\"/\"}", "" },
		{ "{\"Name\":\"web\"}", "web" },
		/* Only the one slash Docker adds comes off. */
		{ "{\"Name\":\"//web\"}", "/web" },
		{ "{\"name\":\"/web\"}", "" },
		{ "{\"Name\":\"/caf\\u00e9\"}", "caf\xc3\xa9" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tt_docker_info info;

		tt_case("%zu", i);
		TT_CHECK_EQ_INT(parse(cases[i].text, &info), 0);
		TT_CHECK_EQ_STR(info.name, cases[i].name);
		TT_CHECK_EQ_INT(info.name_dropped, 0);
	}
}

TT_TEST(name_not_a_string)
{
	static const char *const texts[] = {
		"{\"Name\":null,\"Config\":{\"Labels\":{\"a\":\"b\"}}}",
		"{\"Name\":42,\"Config\":{\"Labels\":{\"a\":\"b\"}}}",
		"{\"Name\":[\"/web\"]}",
		"{\"Name\":{\"x\":\"/web\"}}",
		"{\"Name\":true}",
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct tt_docker_info info;

		tt_case("%zu", i);
		TT_CHECK_EQ_INT(parse(texts[i], &info), -EINVAL);
		TT_CHECK(all_zero(&info, sizeof(info)));
	}
}

TT_TEST(name_dropped_not_truncated)
{
	char text[512], name[TT_DOCKER_NAME_MAX + 1];
	struct tt_docker_info info;

	/* 127 bytes fit with the NUL, after the slash comes off. */
	memset(name, 'n', sizeof(name));
	name[TT_DOCKER_NAME_MAX - 1] = '\0';
	snprintf(text, sizeof(text), "{\"Name\":\"/%s\"}", name);
	TT_CHECK_EQ_INT(parse(text, &info), 0);
	TT_CHECK_EQ_STR(info.name, name);
	TT_CHECK_EQ_INT(info.name_dropped, 0);

	name[TT_DOCKER_NAME_MAX - 1] = 'n';
	name[TT_DOCKER_NAME_MAX] = '\0';
	snprintf(text, sizeof(text), "{\"Name\":\"/%s\"}", name);
	TT_CHECK_EQ_INT(parse(text, &info), 0);
	TT_CHECK_EQ_STR(info.name, "");
	TT_CHECK_EQ_INT(info.name_dropped, 1);

	TT_CHECK_EQ_INT(parse("{\"Name\":\"/web\\n1\"}", &info), 0);
	TT_CHECK_EQ_STR(info.name, "");
	TT_CHECK_EQ_INT(info.name_dropped, 1);
}

TT_TEST(too_many_labels)
{
	char text[4096];
	size_t off = 0;
	struct tt_docker_info info;

	off += (size_t)snprintf(text + off, sizeof(text) - off,
				"{\"Name\":\"/many\",\"Config\":{\"Labels\":{");
	for (int i = 0; i < TT_DOCKER_LABELS_MAX + 5; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
					"%s\"k%02d\":\"v%d\"", i ? "," : "", i,
					i);
	snprintf(text + off, sizeof(text) - off, "}}}");
	TT_CHECK(strlen(text) < sizeof(text) - 1);

	TT_CHECK_EQ_INT(parse(text, &info), 0);
	TT_CHECK_EQ_INT(info.n_labels, TT_DOCKER_LABELS_MAX);
	TT_CHECK_EQ_INT(info.labels_dropped, 5);
	/* The first ones, in the file's order. */
	for (int i = 0; i < TT_DOCKER_LABELS_MAX; i++) {
		char key[8], value[8];

		tt_case("%d", i);
		snprintf(key, sizeof(key), "k%02d", i);
		snprintf(value, sizeof(value), "v%d", i);
		TT_CHECK_EQ_STR(info.labels[i].key, key);
		TT_CHECK_EQ_STR(info.labels[i].value, value);
	}
}

TT_TEST(too_long_key_and_value)
{
	char key[TT_DOCKER_LABEL_KEY_MAX + 1];
	char value[TT_DOCKER_LABEL_VALUE_MAX + 1];
	char text[1024];
	struct tt_docker_info info;

	/* Longest that fit (63 and 127 bytes) are kept... */
	memset(key, 'k', sizeof(key));
	memset(value, 'v', sizeof(value));
	key[TT_DOCKER_LABEL_KEY_MAX - 1] = '\0';
	value[TT_DOCKER_LABEL_VALUE_MAX - 1] = '\0';
	snprintf(text, sizeof(text),
		 "{\"Config\":{\"Labels\":{\"%s\":\"%s\"}}}", key, value);
	TT_CHECK_EQ_INT(parse(text, &info), 0);
	TT_CHECK_EQ_INT(info.n_labels, 1);
	TT_CHECK_EQ_STR(info.labels[0].key, key);
	TT_CHECK_EQ_STR(info.labels[0].value, value);
	TT_CHECK_EQ_INT(info.labels_dropped, 0);

	/* ...one byte more is dropped whole, with the labels around it
	 * kept in order. */
	key[TT_DOCKER_LABEL_KEY_MAX - 1] = 'k';
	key[TT_DOCKER_LABEL_KEY_MAX] = '\0';
	value[TT_DOCKER_LABEL_VALUE_MAX - 1] = 'v';
	value[TT_DOCKER_LABEL_VALUE_MAX] = '\0';
	snprintf(text, sizeof(text),
		 "{\"Config\":{\"Labels\":{\"a\":\"1\",\"%s\":\"short\","
		 "\"b\":\"2\",\"short\":\"%s\",\"c\":\"3\"}}}", key, value);
	TT_CHECK_EQ_INT(parse(text, &info), 0);
	TT_CHECK_EQ_INT(info.n_labels, 3);
	TT_CHECK_EQ_STR(info.labels[0].key, "a");
	TT_CHECK_EQ_STR(info.labels[1].key, "b");
	TT_CHECK_EQ_STR(info.labels[2].key, "c");
	TT_CHECK_EQ_STR(info.labels[2].value, "3");
	TT_CHECK_EQ_INT(info.labels_dropped, 2);
	TT_CHECK(!memmem(&info, sizeof(info), "kkkk", 4));
	TT_CHECK(!memmem(&info, sizeof(info), "vvvv", 4));
	TT_CHECK(all_zero(&info.labels[3],
			  sizeof(info.labels) - 3 * sizeof(info.labels[0])));
}

TT_TEST(non_string_values_dropped)
{
	struct tt_docker_info info;

	TT_CHECK_EQ_INT(parse("{\"Config\":{\"Labels\":{\"n\":1,\"ok\":\"yes\","
			      "\"b\":true,\"z\":null,\"o\":{\"x\":\"y\"},"
			      "\"a\":[\"y\"],\"f\":1.5,\"e\":\"\"}}}", &info),
			0);
	TT_CHECK_EQ_INT(info.n_labels, 2);
	TT_CHECK_EQ_STR(info.labels[0].key, "ok");
	TT_CHECK_EQ_STR(info.labels[0].value, "yes");
	/* An empty string is a string. */
	TT_CHECK_EQ_STR(info.labels[1].key, "e");
	TT_CHECK_EQ_STR(info.labels[1].value, "");
	TT_CHECK_EQ_INT(info.labels_dropped, 6);
}

TT_TEST(control_characters_in_keys)
{
	struct tt_docker_info info;

	TT_CHECK_EQ_INT(parse("{\"Config\":{\"Labels\":{\"a\\nb\":\"1\","
			      "\"c\\u001bd\":\"2\",\"e\\u007ff\":\"3\","
			      "\"g\\th\":\"4\",\"ok\":\"tab\\tin value\"}}}",
			      &info), 0);
	TT_CHECK_EQ_INT(info.n_labels, 1);
	TT_CHECK_EQ_STR(info.labels[0].key, "ok");
	/* Values are data, not names: kept as they are. */
	TT_CHECK_EQ_STR(info.labels[0].value, "tab\tin value");
	TT_CHECK_EQ_INT(info.labels_dropped, 4);
}

TT_TEST(duplicate_keys)
{
	struct tt_docker_info info;

	/* Docker never writes one (a Go map), but cJSON would keep both. */
	TT_CHECK_EQ_INT(parse("{\"Config\":{\"Labels\":{\"a\":\"1\","
			      "\"b\":\"2\",\"a\":\"3\"}}}", &info), 0);
	TT_CHECK_EQ_INT(info.n_labels, 2);
	TT_CHECK_EQ_STR(info.labels[0].key, "a");
	TT_CHECK_EQ_STR(info.labels[0].value, "1");
	TT_CHECK_EQ_STR(info.labels[1].key, "b");
	TT_CHECK_EQ_INT(info.labels_dropped, 1);
}

TT_TEST(not_an_object)
{
	static const char *const texts[] = {
		"", "   ", "not json", "{", "{\"Name\":\"/web\"",
		"{\"Name\":\"/web\",}", "[{\"Name\":\"/web\"}]", "[]",
		"\"/web\"", "42", "null",
		/* A value, then something that is not whitespace. */
		"{\"Name\":\"/web\"}x", "{\"Name\":\"/web\"}{}",
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct tt_docker_info info;

		tt_case("%zu: %s", i, texts[i]);
		TT_CHECK_EQ_INT(parse(texts[i], &info), -EINVAL);
		TT_CHECK(all_zero(&info, sizeof(info)));
	}
}

TT_TEST(len_bounds_the_text)
{
	static const char text[] = "{\"Name\":\"/web\"} trailing";
	struct tt_docker_info info;

	/* The bytes past len are not looked at. */
	memset(&info, 'x', sizeof(info));
	TT_CHECK_EQ_INT(tt_docker_parse_config(text, 15, &info), 0);
	TT_CHECK_EQ_STR(info.name, "web");
	TT_CHECK_EQ_INT(tt_docker_parse_config(text, 16, &info), 0);
	TT_CHECK_EQ_INT(tt_docker_parse_config(text, 17, &info), -EINVAL);
	TT_CHECK_EQ_INT(tt_docker_parse_config(text, 14, &info), -EINVAL);
	TT_CHECK_EQ_INT(tt_docker_parse_config(NULL, 0, &info), -EINVAL);
	TT_CHECK(all_zero(&info, sizeof(info)));
}

TT_TEST(len_over_the_cap)
{
	size_t len = TT_DOCKER_CFG_MAX + 1;
	char *text = malloc(len);
	struct tt_docker_info info;

	TT_CHECK(text != NULL);
	if (!text)
		return;
	/* A valid object padded with spaces: only the size is wrong. */
	memset(text, ' ', len);
	memcpy(text, "{\"Name\":\"/big\"}", 15);
	memset(&info, 'x', sizeof(info));
	TT_CHECK_EQ_INT(tt_docker_parse_config(text, len, &info), -E2BIG);
	TT_CHECK(all_zero(&info, sizeof(info)));
	TT_CHECK_EQ_INT(tt_docker_parse_config(text, len - 1, &info), 0);
	TT_CHECK_EQ_STR(info.name, "big");
	free(text);
}

TT_TEST(is_id)
{
	static const struct {
		const char *s;
		int want;
	} cases[] = {
		{ ID, 1 },
		{ "00000000000000000000000000000000"
		  "00000000000000000000000000000000", 1 },
		/* 63 and 65 characters. */
		{ "3f4e8a1c9b2d7e6f0a5b4c3d2e1f0a9b"
		  "8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3", 0 },
		{ ID "a", 0 },
		{ "3F4E8A1C9B2D7E6F0A5B4C3D2E1F0A9B"
		  "8C7D6E5F4A3B2C1D0E9F8A7B6C5D4E3F", 0 },
		{ "3f4e8a1c9b2d7e6f0a5b4c3d2e1f0a9b"
		  "8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3g", 0 },
		/* 64 characters, but a path. */
		{ "../../../../etc/passwd/../../../"
		  "../../../../../../../../../../..", 0 },
		{ "3f4e8a1c9b2d", 0 },
		{ "", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tt_case("%zu", i);
		TT_CHECK_EQ_INT(tt_docker_is_id(cases[i].s, strlen(cases[i].s)),
				cases[i].want);
	}
	/* len, not the NUL, bounds the id. */
	TT_CHECK_EQ_INT(tt_docker_is_id(ID "/config.v2.json", 64), 1);
	TT_CHECK_EQ_INT(tt_docker_is_id(ID, 63), 0);
	TT_CHECK_EQ_INT(tt_docker_is_id(NULL, 64), 0);
	/* An embedded NUL is not hex. */
	TT_CHECK_EQ_INT(tt_docker_is_id("3f4e8a1c9b2d7e6f0a5b4c3d2e1f0a9b"
					"\0" "c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f",
					64), 0);
}
