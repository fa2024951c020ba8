//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

import CTractorLinux
import Glibc
import Synchronization

/// Something that owns a file descriptor watched by the ``IOLoop``; called on the loop's thread only.
package protocol IOHandler: AnyObject, Sendable {
    /// The descriptor became ready; `events` are the epoll bits (`EPOLLIN`, `EPOLLOUT`, `EPOLLHUP`, …).
    func handleEvents(_ events: UInt32)
}

/// The process's one I/O thread: an epoll loop over every socket, listener, pidfd and wake-up descriptor.
///
/// Blocking never happens on the cooperative pool: tasks hand work to this thread with
/// ``execute(_:)`` and are resumed from it. Registration, deregistration and `close` all run on the loop thread, so a
/// descriptor is never reused while a handler for its old owner could still run.
///
/// The jobs a process serves run on the loop thread too (``servedJobs``): the request that woke the loop is followed
/// by its job on the same thread, and the reply leaves from it, without waking another thread on either side. While
/// such a job runs, a second thread stands by: the first event that comes meanwhile (a cancellation, another
/// request, a stream's credit) wakes it, and it takes the loop over, so that a job that computes for seconds never
/// keeps the process from hearing its peers. "The loop thread" is whichever of the two leads at the time; one leads at
/// any moment, and the lead passes with the loop's state through ``leadership``.
package final class IOLoop: Sendable {
    /// The loop of this process, started on first use.
    ///
    /// Check ``startupError`` before relying on it: the runtime's entry points do (see
    /// `ActorRuntime.requireRunning()`), and throw it.
    package static let shared = IOLoop()

    /// Why the loop could not start (no epoll instance, eventfd or timerfd: the process is out of descriptors, say),
    /// or `nil` when it runs.
    ///
    /// A loop that could not start has no thread. It never traps and never leaves work waiting:
    /// ``register(_:events:handler:)`` throws this error, and work handed to ``execute(_:)`` or
    /// ``execute(after:_:)`` runs at once on the caller's thread, so whatever it would have started fails there and
    /// then.
    package let startupError: TractorError?

    private let epollFD: CInt
    private let wakeFD: CInt
    /// Handlers by descriptor; touched on the loop thread (reads) and under the lock (all access).
    private let handlers = Mutex(HandlerTable())
    /// Work queued for the loop thread, and whether the thread needs waking to see it.
    let queue = Mutex(WorkQueue())

    /// One item of queued work: a closure, or a task's job run on this thread as its executor (kept apart so that
    /// enqueuing a job allocates no closure context).
    enum Work {
        case closure(@Sendable () -> Void)
        case job(UnownedJob)
    }

    struct WorkQueue: ~Copyable {
        var work: [Work] = []
        /// The loop thread is in (or about to enter) `epoll_wait` and nobody has woken it yet: the next work item
        /// must write the eventfd. While it is awake it runs everything queued before it sleeps again, so a burst
        /// of work costs one wake-up, not one each.
        var asleep = true
        /// Work to run once its deadline (in `DispatchTime`-style monotonic nanoseconds) has passed, and the
        /// deadline the timer is armed for.
        var timers: [(deadline: UInt64, id: UInt64, work: @Sendable () -> Void)] = []
        var armedDeadline: UInt64?
        /// The id of the last timer scheduled (see ``IOLoop/schedule(after:_:)``).
        var lastTimerID: UInt64 = 0
    }
    /// The queue's other buffer: the loop thread swaps it with ``WorkQueue/work`` and runs what it took, so that
    /// neither buffer is ever shared and reusing one allocates nothing. Touched by the loop thread alone.
    nonisolated(unsafe) private var taken: [Work] = []
    /// The `pthread_t` of the thread that leads, or 0 while the leader runs a served job and nobody has taken over.
    private let threadID = Atomic<UInt>(0)
    private let timerFD: CInt

    /// ``Leadership/led``, or ``Leadership/away`` while the leading thread runs a served job with the descriptors
    /// unwatched: the standby thread, or the leader back from its job, moves it back to `led` and so leads.
    private let leadership = Atomic<Int>(Leadership.led)
    /// Threads waiting to take the lead: 0 or 1.
    private let standbys = Atomic<Int>(0)
    /// The kernel thread ID of the thread that went away to run a served job, and when it went (monotonic
    /// nanoseconds; 0 once its job has returned).
    private let awayThread = Atomic<Int32>(0)
    private let awaySince = Atomic<UInt64>(0)
    /// An epoll instance that watches ``epollFD`` alone, armed (one-shot) only while the leader is away: the standby
    /// thread sleeps on it. Set once by the leading thread before the standby thread starts.
    nonisolated(unsafe) private var standbyFD: CInt = -1
    /// Whether the standby thread runs; touched by the leading thread alone.
    nonisolated(unsafe) private var standby = Standby.notStarted
    /// Served jobs made ready on the loop thread, run at the loop's next quiet point; touched by the leading thread
    /// alone.
    nonisolated(unsafe) private var served: [UnownedJob] = []
    /// How many more served jobs go to the cooperative pool before one runs on the loop thread again: a take-over
    /// while a job runs (requests coming meanwhile, as a pool's pipelined chunks do, or a job that outlasts its
    /// events) costs more than the wake-up it saves, so after one the loop leaves its jobs to the pool for a while.
    /// A take-over just as a short job ends (its caller's next request came before the thread was back) does not
    /// count. Touched by the leading thread alone.
    nonisolated(unsafe) private var inlinePause = 0

    /// How many quiet points of the loop leave their served jobs to the pool after a take-over (as many jobs when
    /// they come one at a time).
    private static let pauseAfterTakeOver = 64
    /// A served job that has run this long when the loop is taken over (nanoseconds) pauses running jobs on the loop.
    private static let longServedJob: UInt64 = 200_000

    private enum Leadership {
        static let led = 0
        static let away = 1
    }

    private enum Standby {
        case notStarted
        case running
        /// No second thread or epoll instance could be had: served jobs run on other threads.
        case unavailable
    }

    /// The buffer channels read into; used on the loop thread only, one read at a time.
    nonisolated(unsafe) package let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 16)

    private init() {
        // Before the loop's thread, the first to record a point, starts.
        RoundTripTrace.start()
        var descriptors: [CInt] = []
        do throws(TractorError) {
            descriptors.append(try sys_epoll_create())
            descriptors.append(try sys_eventfd())
            try sys_epoll_ctl(descriptors[0], EPOLL_CTL_ADD, descriptors[1], events: EPOLLIN.rawValue)
            let timer = ctractor_timerfd_create()
            guard timer >= 0 else { throw TractorError(.systemCallFailed, "timerfd_create failed: errno \(errno)") }
            descriptors.append(timer)
            try sys_epoll_ctl(descriptors[0], EPOLL_CTL_ADD, timer, events: EPOLLIN.rawValue)
            // The thread's first read of `shared` waits until this initializer has returned.
            try sys_thread_start(name: "tractor-io") { IOLoop.shared.threadMain(leading: true) }
            startupError = nil
        } catch {
            for fd in descriptors { sys_close(fd) }
            descriptors = []
            startupError = TractorError(
                .runtimeUnavailable,
                "Tractor cannot start its I/O thread: \(error.message); raise the process's descriptor limit "
                    + "(ulimit -n) or thread limit (ulimit -u) and start the program again",
                cause: error
            )
        }
        epollFD = descriptors.first ?? -1
        wakeFD = descriptors.count > 1 ? descriptors[1] : -1
        timerFD = descriptors.count > 2 ? descriptors[2] : -1
    }

    /// The time slice the loop thread asks the scheduler for, in nanoseconds: the shortest Linux grants. The loop's
    /// work between two waits is short, so it rarely uses a whole one.
    static let timeSlice: UInt64 = 100_000

    /// Whether the caller runs on the loop thread.
    package var inLoop: Bool {
        threadID.load(ordering: .acquiring) == UInt(pthread_self())
    }

    /// Runs `work` on the loop thread, soon.
    package func execute(_ work: @escaping @Sendable () -> Void) {
        guard startupError == nil else { return work() }
        append(.closure(work))
    }

    private func append(_ work: Work) {
        let mustWake = queue.withLock { queue in
            queue.work.append(work)
            defer { queue.asleep = false }
            return queue.asleep
        }
        // The loop thread itself runs its queue before it goes back to `epoll_wait`: it needs no wake-up.
        if mustWake, !inLoop { wake() }
    }

    /// Arms the timer to expire at `deadline`, or at once if it has passed.
    func arm(for deadline: UInt64) {
        let now = sys_monotonic_nanoseconds()
        _ = ctractor_timerfd_arm(timerFD, deadline > now ? Int64(clamping: deadline - now) : 1)
    }

    /// Runs the timers whose deadline has passed and re-arms for the next.
    private func runTimers() {
        let due = queue.withLock { queue -> [@Sendable () -> Void] in
            let now = sys_monotonic_nanoseconds()
            var due: [@Sendable () -> Void] = []
            var next: UInt64?
            queue.timers.removeAll { timer in
                if timer.deadline <= now {
                    due.append(timer.work)
                    return true
                }
                next = min(next ?? .max, timer.deadline)
                return false
            }
            queue.armedDeadline = next
            if let next { arm(for: next) }
            return due
        }
        for work in due { work() }
    }

    private func wake() {
        var one: UInt64 = 1
        _ = withUnsafeBytes(of: &one) { Glibc.write(wakeFD, $0.baseAddress, 8) }
    }

    /// Watches `fd` for `events`, calling `handler` on the loop thread. Call on the loop thread.
    package func register(_ fd: CInt, events: UInt32, handler: any IOHandler) throws(TractorError) {
        if let startupError { throw startupError }
        handlers.withLock { $0[fd] = handler }
        do {
            try sys_epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, events: events)
        } catch {
            handlers.withLock { $0[fd] = nil }
            throw error
        }
    }

    /// Changes the events watched on `fd`. Call on the loop thread.
    package func modify(_ fd: CInt, events: UInt32) {
        try? sys_epoll_ctl(epollFD, EPOLL_CTL_MOD, fd, events: events)
    }

    /// Stops watching `fd` and closes it. Call on the loop thread.
    package func closeAndForget(_ fd: CInt) {
        handlers.withLock { $0[fd] = nil }
        try? sys_epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, events: 0)
        sys_close(fd)
    }

    /// The body of both loop threads: lead until overtaken after a served job, stand by until the leader goes away,
    /// and again.
    private func threadMain(leading: Bool) {
        let tid = ctractor_gettid()
        if leading {
            threadID.store(UInt(pthread_self()), ordering: .releasing)
            // A short time slice: woken by a reply while every core computes, the loop preempts a computing thread
            // instead of waiting out its slice (up to a few ms), which would leave a worker without its next job.
            _ = ctractor_request_time_slice(IOLoop.timeSlice)
        } else {
            waitAsStandby()
        }
        var leader = Leader()
        while true {
            lead(&leader, tid: tid)
            standbys.add(1, ordering: .releasing)
            waitAsStandby()
        }
    }

    /// What a leading thread keeps from one turn of the loop to the next, its own.
    private struct Leader {
        static let capacity = 64
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: Leader.capacity)
        var spin = SpinPolicy(maximum: IOLoop.maximumSpin)
        /// Whether this thread may run on another CPU than the one it is on, as last read (binding comes after start).
        var mayUseOtherCPUs = true
        var cpusCheckedAt: UInt64 = 0
    }

    /// Runs the loop until this thread, back from a served job, finds the other thread leading.
    private func lead(_ leader: inout Leader, tid: pid_t) {
        let events = leader.events
        let capacity = Leader.capacity
        while true {
            var count = leader.spin.budget > 0 ? poll(events, capacity, for: leader.spin.budget) : 0
            if count > 0 {
                leader.spin.caught()
            } else {
                if leader.spin.budget > 0 { leader.spin.missed() }
                let maximum = leader.spin.maximum
                let began = maximum > 0 ? sys_monotonic_nanoseconds() : 0
                count = epoll_wait(epollFD, events, CInt(capacity), -1)
                if maximum > 0 {
                    let now = sys_monotonic_nanoseconds()
                    let slept = now &- began
                    // The CPU mask is read only when the sleep would turn polling on, and at most every 100 ms.
                    if slept < maximum, leader.spin.budget == 0, now &- leader.cpusCheckedAt > 100_000_000 {
                        leader.mayUseOtherCPUs = IOLoop.threadMayUseOtherCPUs()
                        leader.cpusCheckedAt = now
                    }
                    leader.spin.blocked(for: slept, mayUseOtherCPUs: leader.mayUseOtherCPUs)
                }
            }
            if count < 0 {
                runQueued()
                if !runServed(tid: tid) { return }
                continue  // EINTR
            }
            if count > 0 { RoundTripTrace.mark(.loopWoke) }
            for index in 0..<Int(count) {
                let fd = events[index].data.fd
                let bits = events[index].events
                if fd == wakeFD {
                    var value: UInt64 = 0
                    _ = withUnsafeMutableBytes(of: &value) { Glibc.read(wakeFD, $0.baseAddress, 8) }
                    continue
                }
                if fd == timerFD {
                    var value: UInt64 = 0
                    _ = withUnsafeMutableBytes(of: &value) { Glibc.read(timerFD, $0.baseAddress, 8) }
                    runTimers()
                    continue
                }
                if let handler = handlers.withLock({ $0[fd] }) {
                    handler.handleEvents(bits)
                }
            }
            runQueued()
            if !runServed(tid: tid) { return }
        }
    }

    /// How long the loop thread may poll for events before it sleeps in `epoll_wait`, in nanoseconds: from
    /// `TRACTOR_SPIN_MICROSECONDS` (0 turns it off), 50 µs by default.
    static let maximumSpin: UInt64 = {
        guard let text = getenv("TRACTOR_SPIN_MICROSECONDS").map({ String(cString: $0) }), let value = UInt64(text)
        else { return 50_000 }
        return Swift.min(value, 1_000) * 1_000
    }()

    /// Whether the calling thread may run on more than one CPU. A process bound to one CPU (a pool worker pinned to
    /// a core without hardware threads) runs its jobs on that CPU too: a poll there would keep the job that was just
    /// handed over from running, for as long as it polls.
    private static func threadMayUseOtherCPUs() -> Bool {
        guard case .success(let words) = sys_sched_getaffinity(0) else { return true }
        return words.reduce(0) { $0 + $1.nonzeroBitCount } > 1
    }

    /// Polls for events without sleeping for up to `budget` nanoseconds; returns the count of the first poll that
    /// found some, or 0.
    private func poll(_ events: UnsafeMutablePointer<epoll_event>, _ capacity: Int, for budget: UInt64) -> CInt {
        let began = sys_monotonic_nanoseconds()
        repeat {
            let count = epoll_wait(epollFD, events, CInt(capacity), 0)
            if count != 0 { return count }
        } while sys_monotonic_nanoseconds() &- began < budget
        return 0
    }

    /// Runs the queued work until there is none, then marks the thread asleep (it goes back to `epoll_wait`).
    private func runQueued() {
        while true {
            let empty = queue.withLock { queue -> Bool in
                if queue.work.isEmpty {
                    queue.asleep = true
                    return true
                }
                swap(&queue.work, &taken)
                return false
            }
            if empty { return }
            for item in taken {
                switch item {
                case .closure(let work): work()
                case .job(let job): job.runSynchronously(on: asUnownedTaskExecutor())
                }
            }
            taken.removeAll(keepingCapacity: true)
        }
    }
}

extension IOLoop: TaskExecutor {
    /// Runs a task's job on the loop thread, after the events in hand. For tasks that only move bytes and state
    /// between connections: what resumes them runs on the thread that read it, without waking another. Their work must
    /// be short and never block.
    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        guard startupError == nil else { return job.runSynchronously(on: asUnownedTaskExecutor()) }
        append(.job(job))
    }

    /// Runs `body`; a served job it makes ready goes to the cooperative pool, even on the loop thread, instead of
    /// running there at the loop's next quiet point (see ``servedJobs``).
    ///
    /// For the wake-ups of a flow (a stream's elements, its credit): a consumer woken again and again is better off
    /// running beside the loop thread, which reads the next elements meanwhile, than taking turns with it.
    package static func runningServedJobsElsewhere<Result>(_ body: () throws -> Result) rethrows -> Result {
        let previous = ctractor_set_loop_jobs_inline(servedJobsElsewhere)
        defer { _ = ctractor_set_loop_jobs_inline(previous) }
        return try body()
    }

    /// The value of a thread's flag (`ctractor_loop_jobs_inline`) with which the served jobs it makes ready go
    /// elsewhere.
    private static let servedJobsElsewhere: CInt = 1
}

// MARK: - Served jobs

extension IOLoop {
    /// The executor of the tasks that run the jobs a process serves (a request's job, and what it resumes to).
    ///
    /// A job made ready on the loop thread (the task the request's handler starts, a reply the loop read resuming it)
    /// runs there, at the loop's next quiet point, once the events in hand are handled: the thread the request woke
    /// runs the job and writes its reply, and no other thread is woken for it. Meanwhile the standby thread watches the
    /// descriptors and takes the loop over at the first event, so the job may compute as long as it likes.
    ///
    /// A job made ready anywhere else (by another thread, within another served job: the child tasks of a task group,
    /// say), while another already runs on a loop thread, or for a while after the loop had to be taken over from a
    /// job that ran long, goes to the cooperative pool and runs concurrently there.
    package static let servedJobs = ServedJobExecutor()

    /// Takes a served job: at the loop's next quiet point on the loop thread, on another thread otherwise.
    fileprivate func enqueueServed(_ job: UnownedJob) {
        guard startupError == nil else {
            return job.runSynchronously(on: IOLoop.servedJobs.asUnownedTaskExecutor())
        }
        if inLoop, ctractor_loop_jobs_inline() != IOLoop.servedJobsElsewhere {
            served.append(job)
        } else {
            IOLoop.dispatch(job)
        }
    }

    /// Hands `job` to the global concurrent executor (the cooperative pool), which runs it as a job of its task's
    /// preferred executor, ``servedJobs``: what it resumes to comes back here.
    private static func dispatch(_ job: UnownedJob) {
        globalConcurrentExecutor.enqueue(ExecutorJob(job))
    }

    /// Runs the served jobs made ready since the last quiet point: the first here while the standby thread watches,
    /// the others (several became ready at once) on other threads, where they run concurrently. Returns whether this
    /// thread still leads afterwards.
    private func runServed(tid: pid_t) -> Bool {
        guard !served.isEmpty else { return true }
        var here: UnownedJob?
        switch standby {
        case .running where inlinePause > 0:
            inlinePause -= 1
        case .running where standbys.load(ordering: .acquiring) > 0:
            here = served[0]
        case .running, .unavailable:
            break
        case .notStarted:
            // The first served job goes elsewhere while the standby thread starts, off its path.
            startStandby()
        }
        for job in served.dropFirst(here == nil ? 0 : 1) { IOLoop.dispatch(job) }
        served.removeAll(keepingCapacity: true)
        guard let here else { return true }
        return runAway(here, tid: tid)
    }

    /// Starts the standby thread now, on the loop thread, unless it runs already: for a process about to serve jobs
    /// (an actor waiting for its parent's answer to its hello), so that its first served job runs where its request
    /// was read instead of going elsewhere while the thread starts.
    package func prepareToServe() {
        // Without a loop thread, served jobs run on their callers' threads: there is no loop to watch.
        guard startupError == nil else { return }
        execute {
            if case .notStarted = self.standby { self.startStandby() }
        }
    }

    /// Starts the standby thread and its epoll instance; where either cannot be had, served jobs run elsewhere.
    private func startStandby() {
        standby = .unavailable
        var fd: CInt = -1
        var counted = false
        do throws(TractorError) {
            fd = try sys_epoll_create()
            try sys_epoll_ctl(fd, EPOLL_CTL_ADD, epollFD, events: 0)
            standbyFD = fd
            standbys.add(1, ordering: .releasing)
            counted = true
            // The thread's first read of `standbyFD` follows its creation.
            try sys_thread_start(name: "tractor-io") { IOLoop.shared.threadMain(leading: false) }
            standby = .running
        } catch {
            if counted { standbys.subtract(1, ordering: .relaxed) }
            standbyFD = -1
            if fd >= 0 { sys_close(fd) }
        }
    }

    /// Runs served `job` on this thread with the loop left to the standby thread, then leads again unless the
    /// standby took over meanwhile. Returns whether this thread still leads.
    private func runAway(_ job: UnownedJob, tid: pid_t) -> Bool {
        // The queue is empty and marked asleep (``runQueued()`` returned): work queued from now on writes the
        // eventfd, which wakes the standby as any event does.
        awayThread.store(tid, ordering: .relaxed)
        awaySince.store(sys_monotonic_nanoseconds(), ordering: .relaxed)
        threadID.store(0, ordering: .releasing)
        leadership.store(Leadership.away, ordering: .releasing)
        try? sys_epoll_ctl(standbyFD, EPOLL_CTL_MOD, epollFD, events: EPOLLIN.rawValue | EPOLLONESHOT.rawValue)
        job.runSynchronously(on: IOLoop.servedJobs.asUnownedTaskExecutor())
        // The job is done: a take-over from here on (the thread preempted on its way back) is not a long job's.
        awaySince.store(0, ordering: .relaxed)
        try? sys_epoll_ctl(standbyFD, EPOLL_CTL_MOD, epollFD, events: 0)
        if leadership.compareExchange(expected: Leadership.away, desired: Leadership.led, ordering: .acquiringAndReleasing)
            .exchanged
        {
            threadID.store(UInt(pthread_self()), ordering: .releasing)
            return true
        }
        return false
    }

    /// Sleeps until the leader is away and an event has come, then takes the lead.
    private func waitAsStandby() {
        var event = epoll_event()
        while true {
            guard epoll_wait(standbyFD, &event, 1, -1) == 1 else { continue }
            // A wake-up left from an earlier absence finds the loop led: nothing to do.
            guard
                leadership.compareExchange(
                    expected: Leadership.away,
                    desired: Leadership.led,
                    ordering: .acquiringAndReleasing
                ).exchanged
            else { continue }
            standbys.subtract(1, ordering: .relaxed)
            threadID.store(UInt(pthread_self()), ordering: .releasing)
            let since = awaySince.load(ordering: .relaxed)
            if since != 0, sys_monotonic_nanoseconds() &- since > IOLoop.longServedJob {
                inlinePause = IOLoop.pauseAfterTakeOver
            }
            // The job that outlasted the events computes on: it gets back the kernel's default slice, and this thread
            // the loop's short one.
            _ = ctractor_request_time_slice_of(awayThread.load(ordering: .relaxed), 0)
            _ = ctractor_request_time_slice(IOLoop.timeSlice)
            return
        }
    }
}

/// The executor of served jobs: see ``IOLoop/servedJobs``.
package final class ServedJobExecutor: TaskExecutor {
    fileprivate init() {}

    package func enqueue(_ job: consuming ExecutorJob) {
        IOLoop.shared.enqueueServed(UnownedJob(job))
    }
}
