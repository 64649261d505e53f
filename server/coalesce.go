package server

import (
	"strings"
	"sync"
	"time"
)

// CoalesceInterval is the least time between two streamed-text
// notifications of one request, in both front ends: a model streams tokens
// far faster than an editor needs to repaint, and every notification costs
// a JSON frame.
const CoalesceInterval = 20 * time.Millisecond

// Coalescer batches streamed text for a front end: at most one send per
// interval, pieces concatenated in order, nothing lost. The first piece goes
// out at once (holding it would add the interval to the time to first
// token); later ones wait for the interval. Close sends what is left and
// returns only when it is written, so the last piece goes out before the
// response.
type Coalescer struct {
	interval time.Duration
	send     func(text string)

	// sendMu is held from taking the buffer to writing it, so two flushes
	// (the timer's and a direct one) cannot overtake each other.
	sendMu sync.Mutex

	mu     sync.Mutex
	buf    strings.Builder
	last   time.Time   // when the last notification was taken
	timer  *time.Timer // a pending flush, if any
	closed bool
}

// NewCoalescer returns a Coalescer that calls send with the batched text.
func NewCoalescer(interval time.Duration, send func(text string)) *Coalescer {
	return &Coalescer{interval: interval, send: send}
}

// Add queues a piece: sent at once if the last notification is old enough,
// else by a timer when it is. Pieces after Close are dropped.
func (c *Coalescer) Add(text string) {
	if text == "" {
		return
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.buf.WriteString(text)
	if c.timer != nil {
		c.mu.Unlock()
		return
	}
	if wait := c.interval - time.Since(c.last); wait > 0 {
		c.timer = time.AfterFunc(wait, func() { c.flush(true) })
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	c.flush(false)
}

func (c *Coalescer) flush(fromTimer bool) {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	c.mu.Lock()
	if fromTimer {
		c.timer = nil
	}
	text := c.buf.String()
	c.buf.Reset()
	if text != "" {
		c.last = time.Now()
	}
	c.mu.Unlock()
	if text != "" {
		c.send(text)
	}
}

// Close sends the rest; later pieces are dropped.
func (c *Coalescer) Close() {
	c.mu.Lock()
	c.closed = true
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	c.mu.Unlock()
	c.flush(false)
}
