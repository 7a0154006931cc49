/*
 * replay.c - run every seed and regression input through a fuzz entry
 * point, as an ordinary test (no clang needed).  Arguments: directories
 * or files.  Passes when no input crashes (sanitizer builds also catch
 * memory errors); prints the count.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long ran;

/* run_file - feed one file to the target */
static int
run_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	long len;

	if (fp == NULL)
		return -1;
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc(len > 0 ? (size_t)len : 1);
	if (buf == NULL || (len > 0 && fread(buf, 1, (size_t)len, fp) !=
	    (size_t)len)) {
		free(buf);
		fclose(fp);
		return -1;
	}
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	ran++;
	return 0;
}

int
main(int argc, char **argv)
{
	int i, failed = 0;

	for (i = 1; i < argc; i++) {
		struct stat st;
		DIR *d;
		struct dirent *e;
		char path[4096];

		if (stat(argv[i], &st) != 0)
			continue;
		if (!S_ISDIR(st.st_mode)) {
			failed += run_file(argv[i]) != 0;
			continue;
		}
		d = opendir(argv[i]);
		if (d == NULL)
			continue;
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i],
			    e->d_name);
			failed += run_file(path) != 0;
		}
		closedir(d);
	}
	printf("replayed %lu inputs, %d unreadable\n", ran, failed);
	return failed || ran == 0 ? 1 : 0;
}
