#include "bloom_sys.h"

// The git revision is not committed (it would be stale the moment it was): Scripts/revision writes
// revision/bloom_revision.h (git-ignored) from the checkout just before Scripts/install builds,
// and removes it afterwards. Without that header (a plain `swift build`, a source tarball) the revision is empty
// and `--version` prints the version alone.
#if __has_include("revision/bloom_revision.h")
#include "revision/bloom_revision.h"
#endif
#ifndef BLOOM_GIT_REVISION
#define BLOOM_GIT_REVISION ""
#endif

const char *bloom_git_revision(void) {
    return BLOOM_GIT_REVISION;
}
