// Clang Thread Safety Analysis for Plinth's C++ code: annotations that turn a locking rule
// ("guarded by mutex_", "REQUIRES: mutex_ held") from a comment into something the compiler
// checks (-Wthread-safety, on in every clang build: the tsan and fuzz presets).
//
// The macros expand to nothing on other compilers. std::mutex carries no annotations in
// libstdc++, so the analysis sees a lock only through the annotated wrappers below: guard shared
// state with plinth::sdk::Mutex (or SharedMutex) and lock it with MutexLock (or ReaderLock).
//
//   class Counter {
//   public:
//       void add() PLINTH_EXCLUDES(mutex_) { MutexLock lock(mutex_); ++count_; }
//   private:
//       void reset_locked() PLINTH_REQUIRES(mutex_) { count_ = 0; }
//       Mutex mutex_;
//       int count_ PLINTH_GUARDED_BY(mutex_) = 0;
//   };
//
// Condition variables wait on MutexLock::native(). Write the wait as a loop in the annotated
// function (`while (!ready_) cv_.wait(lock.native());`) rather than with a predicate lambda:
// a lambda is analysed as a function of its own, which does not hold the lock. A lambda that
// runs while its caller holds the lock (a transaction body) starts with mutex_.assume_held().
//
// Rationale: the names follow Clang's documentation ("Thread Safety Analysis") and LevelDB's
// port/thread_annotations.h, with a PLINTH_ prefix so that they never collide with a host's.
#pragma once

#include <mutex>
#include <shared_mutex>

#if defined(__clang__)
#define PLINTH_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define PLINTH_THREAD_ANNOTATION(x)
#endif

// On a type: it is a lock ("mutex") the analysis tracks.
#define PLINTH_CAPABILITY(name) PLINTH_THREAD_ANNOTATION(capability(name))
// On a type: an RAII object that holds a capability for its lifetime.
#define PLINTH_SCOPED_CAPABILITY PLINTH_THREAD_ANNOTATION(scoped_lockable)
// On a member: read and written only with the lock held (shared suffices for reads).
#define PLINTH_GUARDED_BY(lock) PLINTH_THREAD_ANNOTATION(guarded_by(lock))
// On a pointer member: what it points to is guarded by the lock.
#define PLINTH_PT_GUARDED_BY(lock) PLINTH_THREAD_ANNOTATION(pt_guarded_by(lock))
// On a mutex member: the order in which locks are taken.
#define PLINTH_ACQUIRED_BEFORE(...) PLINTH_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define PLINTH_ACQUIRED_AFTER(...) PLINTH_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
// On a function: the caller holds the lock (exclusively, or at least shared).
#define PLINTH_REQUIRES(...) PLINTH_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define PLINTH_REQUIRES_SHARED(...) PLINTH_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
// On a function: it takes (or gives back) the lock and returns holding it (or not).
#define PLINTH_ACQUIRE(...) PLINTH_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define PLINTH_ACQUIRE_SHARED(...) PLINTH_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define PLINTH_RELEASE(...) PLINTH_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define PLINTH_RELEASE_SHARED(...) PLINTH_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define PLINTH_RELEASE_GENERIC(...) PLINTH_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
#define PLINTH_TRY_ACQUIRE(...) PLINTH_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
// On a function: the caller must not hold the lock (the function takes it itself).
#define PLINTH_EXCLUDES(...) PLINTH_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
// On a function: it checks at run time that the lock is held.
#define PLINTH_ASSERT_CAPABILITY(x) PLINTH_THREAD_ANNOTATION(assert_capability(x))
// On a function: it returns a reference to the lock.
#define PLINTH_RETURN_CAPABILITY(x) PLINTH_THREAD_ANNOTATION(lock_returned(x))
// On a function: not analysed. Each use says why the analysis cannot follow it.
#define PLINTH_NO_THREAD_SAFETY_ANALYSIS PLINTH_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace plinth::sdk {

// std::mutex, as a capability the analysis tracks.
class PLINTH_CAPABILITY("mutex") Mutex {
public:
    void lock() PLINTH_ACQUIRE() { m_.lock(); }
    void unlock() PLINTH_RELEASE() { m_.unlock(); }
    bool try_lock() PLINTH_TRY_ACQUIRE(true) { return m_.try_lock(); }
    // Tells the analysis that the calling code holds this mutex where it cannot see it: in a
    // lambda that a function holding the lock runs before it returns (the analysis treats a
    // lambda as a function of its own). Checks nothing at run time.
    void assume_held() const PLINTH_ASSERT_CAPABILITY(this) {}
    // For std::condition_variable (through MutexLock::native()) and code that needs the mutex
    // itself; the analysis does not see locks taken on it directly.
    std::mutex &native() { return m_; }

private:
    std::mutex m_;
};

// std::shared_mutex: one writer or many readers.
class PLINTH_CAPABILITY("mutex") SharedMutex {
public:
    void lock() PLINTH_ACQUIRE() { m_.lock(); }
    void unlock() PLINTH_RELEASE() { m_.unlock(); }
    void lock_shared() PLINTH_ACQUIRE_SHARED() { m_.lock_shared(); }
    void unlock_shared() PLINTH_RELEASE_SHARED() { m_.unlock_shared(); }

private:
    std::shared_mutex m_;
};

// Holds a Mutex from construction to destruction (std::unique_lock underneath, so a condition
// variable can wait on native(): the wait releases and retakes the lock, which the analysis
// treats as held throughout, as it is whenever the waiting code runs).
class PLINTH_SCOPED_CAPABILITY MutexLock {
public:
    explicit MutexLock(Mutex &m) PLINTH_ACQUIRE(m) : lock_(m.native()) {}
    ~MutexLock() PLINTH_RELEASE() {}
    MutexLock(const MutexLock &) = delete;
    MutexLock &operator=(const MutexLock &) = delete;

    // Lets go early, and takes it again (code that must not hold the lock while it blocks).
    void unlock() PLINTH_RELEASE() { lock_.unlock(); }
    void lock() PLINTH_ACQUIRE() { lock_.lock(); }

    std::unique_lock<std::mutex> &native() { return lock_; }

private:
    std::unique_lock<std::mutex> lock_;
};

// Holds a SharedMutex exclusively for its lifetime.
class PLINTH_SCOPED_CAPABILITY WriterLock {
public:
    explicit WriterLock(SharedMutex &m) PLINTH_ACQUIRE(m) : m_(m) { m_.lock(); }
    ~WriterLock() PLINTH_RELEASE() { m_.unlock(); }
    WriterLock(const WriterLock &) = delete;
    WriterLock &operator=(const WriterLock &) = delete;

private:
    SharedMutex &m_;
};

// Holds a SharedMutex shared (as one of many readers) for its lifetime.
class PLINTH_SCOPED_CAPABILITY ReaderLock {
public:
    explicit ReaderLock(SharedMutex &m) PLINTH_ACQUIRE_SHARED(m) : m_(m) { m_.lock_shared(); }
    ~ReaderLock() PLINTH_RELEASE() { m_.unlock_shared(); }
    ReaderLock(const ReaderLock &) = delete;
    ReaderLock &operator=(const ReaderLock &) = delete;

private:
    SharedMutex &m_;
};

} // namespace plinth::sdk
