// libnuma's two public headers: numa.h (the library API) and numaif.h (its wrappers of the kernel's
// set_mempolicy/get_mempolicy calls, which report failures through errno instead of printing them).
#include <numa.h>
#include <numaif.h>
