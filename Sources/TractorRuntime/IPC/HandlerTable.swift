//===----------------------------------------------------------------------===//
// Tractor for Swift — structured concurrency for process actors.
// SPDX-License-Identifier: Apache-2.0
//===----------------------------------------------------------------------===//

/// The loop's handlers, indexed by descriptor: descriptors are small integers, each the lowest free one when opened,
/// so the table is as long as the highest descriptor watched.
///
/// A table, not a dictionary: the first dictionary of each key type a process makes costs the Swift runtime a scan of
/// every protocol conformance record of the program (to check the key's `Hashable`), about 4,000 records in a worker,
/// and the loop registers its first descriptor while a worker starts.
struct HandlerTable: ~Copyable {
    private var slots: [(any IOHandler)?] = []

    subscript(fd: CInt) -> (any IOHandler)? {
        get { fd >= 0 && Int(fd) < slots.count ? slots[Int(fd)] : nil }
        set {
            guard fd >= 0 else { return }
            let index = Int(fd)
            if index >= slots.count {
                guard newValue != nil else { return }
                slots.append(contentsOf: repeatElement(nil, count: index + 1 - slots.count))
            }
            slots[index] = newValue
        }
    }
}
