// libFuzzer's driver entry point (compiler-rt, FuzzerInterface.h), resolved only in a build with
// -sanitize=fuzzer: bloom-fuzz calls it from its own main so the same binary also lists targets and writes seeds.
#ifndef BLOOM_FUZZ_H
#define BLOOM_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
