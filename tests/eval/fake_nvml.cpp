// A stand-in for libnvidia-ml.so.1 with the symbols slimlm resolves: two GPUs
// whose energy counters advance by a fixed 1500 mJ (GPU 0) and 2500 mJ
// (GPU 1) on every read, so that tests know the exact joules to expect.
#include <cstring>

extern "C" {

struct nvmlDevice_st {
  int index;
};
struct FakeMemory {
  unsigned long long total, free, used;
};

static nvmlDevice_st g_devices[2] = {{0}, {1}};
static unsigned long long g_energy[2] = {1000000, 5000000};
static int g_inits = 0;

int nvmlInit_v2() {
  ++g_inits;
  return 0;
}
int nvmlShutdown() {
  --g_inits;
  return 0;
}
const char* nvmlErrorString(int) { return "fake error"; }
int nvmlSystemGetDriverVersion(char* buf, unsigned n) {
  std::strncpy(buf, "999.1-fake", n);
  return 0;
}
int nvmlDeviceGetCount_v2(unsigned* n) {
  *n = 2;
  return 0;
}
int nvmlDeviceGetHandleByIndex_v2(unsigned i, nvmlDevice_st** d) {
  if (i >= 2) return 2;  // NVML_ERROR_INVALID_ARGUMENT
  *d = &g_devices[i];
  return 0;
}
int nvmlDeviceGetName(nvmlDevice_st* d, char* buf, unsigned n) {
  std::strncpy(buf, d->index == 0 ? "Fake GPU A" : "Fake GPU B", n);
  return 0;
}
int nvmlDeviceGetUUID(nvmlDevice_st* d, char* buf, unsigned n) {
  std::strncpy(buf, d->index == 0 ? "GPU-fake-0" : "GPU-fake-1", n);
  return 0;
}
int nvmlDeviceGetMemoryInfo(nvmlDevice_st* d, FakeMemory* m) {
  m->total = (d->index + 1) * 1024ull * 1024 * 1024;
  m->used = 1024 * 1024;
  m->free = m->total - m->used;
  return 0;
}
int nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_st* d, unsigned* mw) {
  *mw = d->index == 0 ? 300000 : 700000;
  return 0;
}
int nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_st* d, unsigned long long* mj) {
  g_energy[d->index] += d->index == 0 ? 1500 : 2500;
  *mj = g_energy[d->index];
  return 0;
}
int fake_nvml_inits() { return g_inits; }
}
