#ifndef BLOOM_CZEROMQ_SHIM_H
#define BLOOM_CZEROMQ_SHIM_H
#include <zmq.h>
#endif
