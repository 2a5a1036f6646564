/*
 * cu.c - shared CUnit runner and file helpers for unit tests.
 */
#include "cu.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
cu_main(const char *name, CU_SuiteInfo *suites)
{
	unsigned ran, failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	if (CU_register_suites(suites) != CUE_SUCCESS) {
		fprintf(stderr, "%s: %s\n", name, CU_get_error_msg());
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	ran = CU_get_number_of_tests_run();
	failed = CU_get_number_of_tests_failed();
	printf("\n%s: %u passed, %u failed\n", name, ran - failed, failed);
	CU_cleanup_registry();
	return (failed == 0 && ran > 0) ? 0 : 1;
}

const char *
cu_path(const char *rel)
{
	static char path[4096];

	snprintf(path, sizeof path, "tests/%s", rel);
	return path;
}

const char *
cu_tmpdir(void)
{
	static char dir[256];
	const char *base = getenv("TMPDIR");

	snprintf(dir, sizeof dir, "%s/mqr-test-XXXXXX",
	    base != NULL ? base : "/tmp");
	if (mkdtemp(dir) == NULL)
		return NULL;
	return dir;
}

char *
cu_slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *data = NULL;
	size_t n = 0, cap = 0, r;

	if (fp == NULL)
		return NULL;
	for (;;) {
		if (cap - n < 4096) {
			char *p = realloc(data, cap + 65536 + 1);
			if (p == NULL) {
				free(data);
				fclose(fp);
				return NULL;
			}
			data = p;
			cap += 65536;
		}
		r = fread(data + n, 1, cap - n, fp);
		n += r;
		if (r == 0)
			break;
	}
	fclose(fp);
	data[n] = '\0';
	if (len != NULL)
		*len = n;
	return data;
}

int
cu_write(const char *path, const char *content)
{
	FILE *fp = fopen(path, "wb");
	int rc = 0;

	if (fp == NULL)
		return -1;
	if (fputs(content, fp) == EOF)
		rc = -1;
	if (fclose(fp) != 0)
		rc = -1;
	return rc;
}

char *
cu_path_in(const char *dir, const char *name)
{
	/* A ring of buffers: a test keeps at most a few paths at once. */
	static char p[16][512];
	static int k;

	k = (k + 1) % 16;
	snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
	return p[k];
}

void
cu_rmdir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[1024];

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}
