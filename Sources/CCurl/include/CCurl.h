#ifndef CCURL_H
#define CCURL_H
#include <curl/curl.h>

/// libcurl, loaded on first use rather than at start-up: an idle agent does not map libcurl and the ~25 libraries
/// it pulls in (GnuTLS, Kerberos, LDAP, ...), nor run their constructors, until it first talks to object storage.
/// Only the functions below are used; call `CCurl_load` first and use the others only when it returned NULL.

/// Loads libcurl.so.4 and resolves every function below, once per process (thread-safe). Returns NULL when
/// libcurl is usable, else a static text saying what failed (the loader's message).
const char *CCurl_load(void);

CURLcode CCurl_global_init(long flags);
CURL *CCurl_easy_init(void);
void CCurl_easy_cleanup(CURL *handle);
void CCurl_easy_reset(CURL *handle);
CURLcode CCurl_easy_perform(CURL *handle);
const char *CCurl_easy_strerror(CURLcode code);
struct curl_slist *CCurl_slist_append(struct curl_slist *list, const char *text);
void CCurl_slist_free_all(struct curl_slist *list);

/// `curl_easy_setopt` and `curl_easy_getinfo` are variadic: one typed setter per argument kind.
CURLcode CCurl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode CCurl_setopt_ptr(CURL *handle, CURLoption option, void *value);
CURLcode CCurl_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode CCurl_setopt_off(CURL *handle, CURLoption option, curl_off_t value);
CURLcode CCurl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
CURLcode CCurl_setopt_read(CURL *handle, size_t (*function)(char *, size_t, size_t, void *));
CURLcode CCurl_setopt_write(CURL *handle, size_t (*function)(char *, size_t, size_t, void *));
CURLcode CCurl_setopt_header(CURL *handle, size_t (*function)(char *, size_t, size_t, void *));
CURLcode CCurl_setopt_xferinfo(
    CURL *handle, int (*function)(void *, curl_off_t, curl_off_t, curl_off_t, curl_off_t));
CURLcode CCurl_getinfo_long(CURL *handle, CURLINFO info, long *value);
#endif
