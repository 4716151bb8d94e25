package eventlog

import "time"

// backoff is the redelivery delay after the n-th failed delivery: 100 ms
// doubling to at most 30 s.
func backoff(n uint64) time.Duration {
	d := 100 * time.Millisecond
	for i := uint64(1); i < n && d < 30*time.Second; i++ {
		d *= 2
	}
	return min(d, 30*time.Second)
}
