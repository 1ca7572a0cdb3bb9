package storage

import (
	"context"
	"time"
)

// Listen wakes the caller on every NOTIFY on channel until ctx ends: it holds one connection
// with LISTEN, reconnects after an error, and drops a wake-up when one is already pending (the
// caller reads everything that is due anyway). The outbox dispatcher and the notification
// deliverer use it beside their polling, so a lost notification only waits for the next poll.
func (db *DB) Listen(ctx context.Context, channel string, wake chan<- struct{}) {
	for ctx.Err() == nil {
		conn, err := db.Pool.Acquire(ctx)
		if err != nil {
			sleepCtx(ctx, time.Second)
			continue
		}
		_, err = conn.Exec(ctx, "LISTEN "+channel)
		for err == nil {
			_, err = conn.Conn().WaitForNotification(ctx)
			if err == nil {
				select {
				case wake <- struct{}{}:
				default:
				}
			}
		}
		conn.Hijack().Close(context.Background()) //nolint:errcheck // the connection is not returned to the pool
		sleepCtx(ctx, 200*time.Millisecond)
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
