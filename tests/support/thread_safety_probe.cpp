// Compiled (never run) by the thread_safety.* tests of clang builds: proves that Clang's Thread
// Safety Analysis is on and sees through plinth/sdk/thread_annotations.hpp. Built with
// -DPROBE_UNGUARDED it reads and writes a guarded member without its lock, which must be refused.
#include <plinth/sdk/thread_annotations.hpp>

#include <condition_variable>

namespace {

class Counter {
public:
    void add() PLINTH_EXCLUDES(mutex_) {
        plinth::sdk::MutexLock lock(mutex_);
        bump();
        while (count_ == 0) ready_.wait(lock.native());
    }
    int read() PLINTH_EXCLUDES(shared_) {
        plinth::sdk::ReaderLock lock(shared_);
        return snapshot_;
    }
#ifdef PROBE_UNGUARDED
    void unguarded() { ++count_; }
#endif

private:
    void bump() PLINTH_REQUIRES(mutex_) { ++count_; }

    plinth::sdk::Mutex mutex_;
    std::condition_variable ready_;
    int count_ PLINTH_GUARDED_BY(mutex_) = 0;
    plinth::sdk::SharedMutex shared_;
    int snapshot_ PLINTH_GUARDED_BY(shared_) = 0;
};

} // namespace

int probe() {
    Counter c;
    c.add();
    return c.read();
}
