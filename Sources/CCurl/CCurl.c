#include "CCurl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

/// The libcurl functions the agent calls, resolved from libcurl.so.4 (the soname Debian's libcurl4 and
/// libcurl3-gnutls packages ship) by `load_once`.
static struct {
    __typeof__(curl_global_init) *global_init;
    __typeof__(curl_easy_init) *easy_init;
    __typeof__(curl_easy_cleanup) *easy_cleanup;
    __typeof__(curl_easy_reset) *easy_reset;
    __typeof__(curl_easy_perform) *easy_perform;
    __typeof__(curl_easy_strerror) *easy_strerror;
    __typeof__(curl_easy_setopt) *easy_setopt;
    __typeof__(curl_easy_getinfo) *easy_getinfo;
    __typeof__(curl_slist_append) *slist_append;
    __typeof__(curl_slist_free_all) *slist_free_all;
} curl;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char failure[512];

#define RESOLVE(field, name)                                                                  \
    do {                                                                                      \
        *(void **)(&curl.field) = dlsym(library, name);                                       \
        if (curl.field == NULL) {                                                             \
            snprintf(failure, sizeof failure, "libcurl.so.4 has no %s: %s", name, dlerror()); \
            return;                                                                           \
        }                                                                                     \
    } while (0)

static void load_once(void) {
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        snprintf(failure, sizeof failure, "cannot load libcurl.so.4: %s", dlerror());
        return;
    }
    RESOLVE(global_init, "curl_global_init");
    RESOLVE(easy_init, "curl_easy_init");
    RESOLVE(easy_cleanup, "curl_easy_cleanup");
    RESOLVE(easy_reset, "curl_easy_reset");
    RESOLVE(easy_perform, "curl_easy_perform");
    RESOLVE(easy_strerror, "curl_easy_strerror");
    RESOLVE(easy_setopt, "curl_easy_setopt");
    RESOLVE(easy_getinfo, "curl_easy_getinfo");
    RESOLVE(slist_append, "curl_slist_append");
    RESOLVE(slist_free_all, "curl_slist_free_all");
}

const char *CCurl_load(void) {
    pthread_once(&once, load_once);
    return failure[0] == '\0' ? NULL : failure;
}

CURLcode CCurl_global_init(long flags) { return curl.global_init(flags); }
CURL *CCurl_easy_init(void) { return curl.easy_init(); }
void CCurl_easy_cleanup(CURL *handle) { curl.easy_cleanup(handle); }
void CCurl_easy_reset(CURL *handle) { curl.easy_reset(handle); }
CURLcode CCurl_easy_perform(CURL *handle) { return curl.easy_perform(handle); }
const char *CCurl_easy_strerror(CURLcode code) { return curl.easy_strerror(code); }
struct curl_slist *CCurl_slist_append(struct curl_slist *list, const char *text) {
    return curl.slist_append(list, text);
}
void CCurl_slist_free_all(struct curl_slist *list) { curl.slist_free_all(list); }

CURLcode CCurl_setopt_long(CURL *handle, CURLoption option, long value) { return curl.easy_setopt(handle, option, value); }
CURLcode CCurl_setopt_ptr(CURL *handle, CURLoption option, void *value) { return curl.easy_setopt(handle, option, value); }
CURLcode CCurl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl.easy_setopt(handle, option, value);
}
CURLcode CCurl_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return curl.easy_setopt(handle, option, value);
}
CURLcode CCurl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl.easy_setopt(handle, option, value);
}
CURLcode CCurl_setopt_read(CURL *handle, size_t (*function)(char *, size_t, size_t, void *)) {
    return curl.easy_setopt(handle, CURLOPT_READFUNCTION, function);
}
CURLcode CCurl_setopt_write(CURL *handle, size_t (*function)(char *, size_t, size_t, void *)) {
    return curl.easy_setopt(handle, CURLOPT_WRITEFUNCTION, function);
}
CURLcode CCurl_setopt_header(CURL *handle, size_t (*function)(char *, size_t, size_t, void *)) {
    return curl.easy_setopt(handle, CURLOPT_HEADERFUNCTION, function);
}
CURLcode CCurl_setopt_xferinfo(
    CURL *handle, int (*function)(void *, curl_off_t, curl_off_t, curl_off_t, curl_off_t)) {
    return curl.easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, function);
}
CURLcode CCurl_getinfo_long(CURL *handle, CURLINFO info, long *value) { return curl.easy_getinfo(handle, info, value); }
