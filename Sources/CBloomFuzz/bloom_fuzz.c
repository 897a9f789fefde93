// Declarations only (see include/bloom_fuzz.h); SwiftPM needs one source file per C target.
#include "bloom_fuzz.h"
