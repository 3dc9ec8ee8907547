#pragma once
// SHA-256 block compression with the x86 SHA extensions (SHA-NI): about ten
// times the portable code, which matters for hashing multi-GB model folders.
// Reached only through sha256_hw_available(); the portable code in
// hashing.cpp stays the reference (and the path under SLIMLM_ISA=scalar).
#include <cstddef>
#include <cstdint>

namespace slimlm::registry::detail {

// The CPU has SHA, SSSE3 and SSE4.1, and the ISA cap is not "scalar".
bool sha256_hw_available();

// Compresses `blocks` 64-byte blocks into `state` (FIPS 180-4 6.2.2).
void sha256_blocks_hw(uint32_t state[8], const uint8_t* data, size_t blocks);

}  // namespace slimlm::registry::detail
