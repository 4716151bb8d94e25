// Package seal encrypts the personal data of a map (names, free text,
// document-local ids) with a key that belongs to that map alone, and keeps
// those keys outside the event stream, in a JetStream key-value bucket.
//
// Erasing a map deletes its key (crypto-shredding): every copy of the map's
// events, in the stream, in backups and in any subscriber, keeps its
// structure but can no longer be read for names or text. The log itself is
// never rewritten.
//
// Map keys are stored wrapped (AES-256-GCM) under a master key that lives
// outside JetStream, so the bucket alone does not reveal them. Erase
// overwrites the stored key on disk (JetStream's secure delete) before it
// purges it.
//
// # Owner and readers
//
// The command service owns the bucket: OpenKeyring creates or updates its
// stream, and only the command service creates and erases keys. The
// services that reveal personal fields (graph, picture) call BindKeyring,
// which waits until the bucket exists and never changes it.
//
// # Concurrency
//
// A Keyring is safe for concurrent use and caches unwrapped keys in memory;
// Erase removes a key from the cache before it returns.
package seal
