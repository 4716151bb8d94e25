package eventlog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// A stream has one owner, the service that creates it and keeps its
// configuration (for the event log and the key bucket, the command
// service); every other service only binds it. The owner calls
// EnsureStream, which needs the JetStream API's STREAM.INFO, and CREATE or
// UPDATE only when the stream is missing or its configuration differs.
// The others call BindStream, which needs STREAM.INFO alone: they cannot
// change limits, and so cannot lose data by a wrong configuration.

// EnsureStream creates the stream of want if it does not exist, updates it
// if its configuration differs from want in a field want sets (see Drift),
// and otherwise leaves it alone, so that an owner that restarts sends no
// update. Package seal uses it for the key stream too.
func EnsureStream(ctx context.Context, js jetstream.JetStream, want jetstream.StreamConfig) (jetstream.Stream, error) {
	s, err := js.Stream(ctx, want.Name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		s, err = js.CreateStream(ctx, want)
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			// Another owner made it at the same moment (with another
			// configuration, or the create would have succeeded).
			s, err = js.Stream(ctx, want.Name)
		} else if err == nil {
			return s, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", want.Name, err)
	}
	if len(Drift(want, s.CachedInfo().Config)) == 0 {
		return s, nil
	}
	s, err = js.UpdateStream(ctx, want)
	if err != nil {
		return nil, fmt.Errorf("update stream %s: %w", want.Name, err)
	}
	return s, nil
}

// Drift names the fields in which have, a stream's configuration as the
// server holds it, differs from want, counting only the fields an owner
// sets (subjects, description, retention, limits, storage, replicas,
// duplicate window, the deny, rollup, direct-get and atomic-publish
// flags). Limits of 0 and -1 are both "unlimited", as on the server; a
// zero duplicate window or maximum message size in want is the server's
// default and matches any.
func Drift(want, have jetstream.StreamConfig) []string {
	var d []string
	diff := func(field string, differs bool) {
		if differs {
			d = append(d, field)
		}
	}
	diff("subjects", !slices.Equal(slices.Sorted(slices.Values(want.Subjects)), slices.Sorted(slices.Values(have.Subjects))))
	diff("description", want.Description != have.Description)
	diff("retention", want.Retention != have.Retention)
	diff("max_msgs", limit(want.MaxMsgs) != limit(have.MaxMsgs))
	diff("max_bytes", limit(want.MaxBytes) != limit(have.MaxBytes))
	diff("max_msgs_per_subject", limit(want.MaxMsgsPerSubject) != limit(have.MaxMsgsPerSubject))
	diff("max_msg_size", want.MaxMsgSize != 0 && limit(int64(want.MaxMsgSize)) != limit(int64(have.MaxMsgSize)))
	diff("max_age", want.MaxAge != have.MaxAge)
	diff("discard", want.Discard != have.Discard)
	diff("storage", want.Storage != have.Storage)
	diff("num_replicas", max(want.Replicas, 1) != max(have.Replicas, 1))
	diff("duplicate_window", want.Duplicates != 0 && want.Duplicates != have.Duplicates)
	diff("deny_delete", want.DenyDelete != have.DenyDelete)
	diff("deny_purge", want.DenyPurge != have.DenyPurge)
	diff("allow_rollup_hdrs", want.AllowRollup != have.AllowRollup)
	diff("allow_direct", want.AllowDirect != have.AllowDirect)
	diff("allow_atomic", want.AllowAtomicPublish != have.AllowAtomicPublish)
	return d
}

// limit maps a limit to itself when positive and to -1 (unlimited) when
// it is 0 or negative.
func limit(v int64) int64 {
	if v > 0 {
		return v
	}
	return -1
}

// BindStream returns the stream called name, waiting while it does not
// exist yet (its owner has not started) or JetStream does not answer yet,
// with a backoff of 50 ms doubling to 2 s, until ctx ends. It asks only
// for the stream's info (STREAM.INFO), never creates or changes it.
// logger, if not nil, hears about the wait now and then. Package seal uses
// it for the key stream too.
func BindStream(ctx context.Context, js jetstream.JetStream, name string, logger *slog.Logger) (jetstream.Stream, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	delay := 50 * time.Millisecond
	for attempt := 1; ; attempt++ {
		s, err := js.Stream(ctx, name)
		if err == nil {
			if attempt > 1 {
				logger.Info("stream bound", "stream", name, "attempts", attempt)
			}
			return s, nil
		}
		if !retryBind(err) {
			return nil, fmt.Errorf("bind stream %s: %w", name, err)
		}
		if ctx.Err() == nil && attempt&(attempt-1) == 0 { // 1, 2, 4, 8, …: now and then
			logger.Info("waiting for stream; its owner creates it", "stream", name, "attempt", attempt, "err", err)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		t.Stop()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("bind stream %s: gave up waiting for its owner to create it (%d attempts, last: %v): %w",
				name, attempt, err, context.Cause(ctx))
		}
		delay = min(2*delay, 2*time.Second)
	}
}

// retryBind reports whether a failed look-up may succeed later: the stream
// is missing, or JetStream or the connection is not ready (a request timed
// out, no responders yet). A bad name or a closed connection will not get
// better.
func retryBind(err error) bool {
	return !errors.Is(err, jetstream.ErrInvalidStreamName) && !errors.Is(err, jetstream.ErrStreamNameRequired) &&
		!errors.Is(err, nats.ErrConnectionClosed)
}
