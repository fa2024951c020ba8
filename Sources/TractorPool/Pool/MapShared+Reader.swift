//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

extension MapShared {
    /// Reads an asynchronous input into chunks until it ends, fails, or the map ends, parking while the read-ahead
    /// is full. Runs in the map's reader task (see ``MapReaders``); cancelling the task ends the input with
    /// `CancellationError`, after the elements read before it.
    func read<Inputs: AsyncSequence>(_ inputs: Inputs, chunkSize: Int?, readAhead: Int) async
    where Inputs.Element == Input {
        var iterator = inputs.makeAsyncIterator()
        // The first chunk holds one element, to get going at once; then chunks are sized as the consumer's are.
        var target = 1
        // A chunk id taken from the pool and not used yet: one is taken per chunk, not per element.
        var spareID: ChunkID?
        var failure: (any Error)?
        reading: while true {
            var step = state.withLock { $0.readerMayRead(readAhead: readAhead) }
            if step == .suspend { step = await waitForRoom(readAhead: readAhead) }
            if step == .stop { return }
            let element: Input
            do {
                try Task.checkCancellation()
                guard let next = try await iterator.next() else { break reading }
                element = next
            } catch {
                failure = error
                break reading
            }
            let id = spareID ?? dispatcher.makeChunkID()
            switch state.withLock({ $0.readerRead(element, id: id, target: target) }) {
            case .none:
                spareID = id
            case .send(let chunk):
                spareID = nil
                await send(chunk)
                target = chunkSize.map { dispatcher.mapChunkSize(for: job.name, chunkSize: $0) }
                    ?? dispatcher.chunkSize(for: job.name)
            case .stop:
                return
            }
        }
        let id = spareID ?? dispatcher.makeChunkID()
        let action = state.withLock { $0.readerFinished(error: failure, id: id) }
        if let (consumer, step) = action.resume { consumer.resume(returning: step) }
        if let chunk = action.send { await send(chunk) }
    }

    /// Parks the reader until the read-ahead has room, the map ends, or the task is cancelled.
    private func waitForRoom(readAhead: Int) async -> MapReaderStep {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<MapReaderStep, Never>) in
                guard let (reader, step) = state.withLock({ $0.readerSuspended(continuation, readAhead: readAhead) })
                else { return }
                reader.resume(returning: step)
            }
        } onCancel: {
            state.withLock { $0.interruptReader() }?.resume(returning: .read)
        }
    }
}
