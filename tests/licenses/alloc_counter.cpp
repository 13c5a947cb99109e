// Replaces operator new for the whole test executable so that a test can count the allocations
// made on its thread (the module's allocations resolve here too: the symbols are exported).
#include "licenses_fixture.hpp"

#include <cstdlib>
#include <new>

namespace alloc_count {
thread_local bool counting = false;
thread_local uint64_t allocations = 0;
} // namespace alloc_count

void *operator new(std::size_t size) {
    if (alloc_count::counting) ++alloc_count::allocations;
    if (void *p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}
void operator delete(void *p) noexcept { std::free(p); }
void operator delete(void *p, std::size_t) noexcept { std::free(p); }
