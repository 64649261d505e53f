package lsp

import (
	"context"
	"sync"

	"go.lsp.dev/protocol"

	"github.com/llxprt/llxprt-ls/server"
)

// maxQueuedEvents bounds the status events waiting for a slow client; the
// oldest are dropped first (the latest status is what matters).
const maxQueuedEvents = 256

// statusParams is llxprt/didChangeStatus: the shape status-bar items of AI
// language servers use. Command, when set, is what clicking the item
// should run.
type statusParams struct {
	Kind    string `json:"kind"` // "normal" | "warning" | "error"
	Busy    bool   `json:"busy"`
	Message string `json:"message"`
	Profile string `json:"profile"`
	Bucket  string `json:"bucket"`
	Command string `json:"command,omitempty"`
}

// notifier forwards the service's status events to the client. The
// service's callback only queues (it must not block); a goroutine owned by
// the connection sends, and stops on shutdown or when Serve returns.
type notifier struct {
	s *langServer

	startMu     sync.Mutex
	started     bool
	stopped     bool
	unsubscribe func()
	quit        chan struct{}
	done        chan struct{}

	queueMu sync.Mutex
	queue   []server.StatusEvent
	wake    chan struct{}
}

func newNotifier(s *langServer) *notifier {
	return &notifier{s: s, quit: make(chan struct{}), done: make(chan struct{}), wake: make(chan struct{}, 1)}
}

func (n *notifier) start() {
	n.startMu.Lock()
	defer n.startMu.Unlock()
	if n.started || n.stopped {
		return
	}
	n.started = true
	n.unsubscribe = n.s.b.Subscribe(n.push)
	go n.run()
}

// stop unsubscribes and waits for the sender to finish; idempotent.
func (n *notifier) stop() {
	n.startMu.Lock()
	defer n.startMu.Unlock()
	if n.stopped {
		return
	}
	n.stopped = true
	if !n.started {
		return
	}
	n.unsubscribe()
	close(n.quit)
	<-n.done
}

// push is the service's callback: queue and wake the sender, never block.
func (n *notifier) push(ev server.StatusEvent) {
	n.queueMu.Lock()
	if len(n.queue) >= maxQueuedEvents {
		n.queue = n.queue[1:]
	}
	n.queue = append(n.queue, ev)
	n.queueMu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

func (n *notifier) run() {
	defer close(n.done)
	ctx := context.Background()
	for {
		select {
		case <-n.quit:
			return
		case <-n.wake:
		}
		n.queueMu.Lock()
		evs := n.queue
		n.queue = nil
		n.queueMu.Unlock()
		for _, ev := range evs {
			select {
			case <-n.quit:
				return
			default:
			}
			n.send(ctx, ev)
		}
	}
}

func (n *notifier) send(ctx context.Context, ev server.StatusEvent) {
	p := statusParams{Kind: ev.Kind, Busy: ev.Busy, Message: ev.Message, Profile: ev.Profile, Bucket: ev.Bucket}
	if p.Kind == "" {
		p.Kind = "normal"
	}
	if p.Kind != "normal" {
		p.Command = cmdStatus
	}
	n.s.notify(ctx, methodDidChangeStatus, p)
	if ev.Failover != nil {
		typ := protocol.MessageTypeWarning
		if ev.Kind == "error" {
			typ = protocol.MessageTypeError
		}
		n.s.notify(ctx, protocol.MethodWindowLogMessage, protocol.LogMessageParams{Type: typ, Message: "llxprt: " + ev.Message})
	}
}
