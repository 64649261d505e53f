package mcp

import (
	"context"
	"fmt"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/llxprt/llxprt-ls/balancer"
	"github.com/llxprt/llxprt-ls/server"
)

// Failovers reach MCP clients as notifications/message from the logger
// "llxprt.balancer": "warning" for a failover, "error" when every bucket
// failed. The two protocol eras want them differently:
//
//   - up to 2025-11-25 the client sets one level for the session with
//     logging/setLevel, and the server may log at any time: forwardEvents
//     sends each failover live, as it happens;
//   - from 2026-07-28 a request declares its own level and the server must
//     not log for a request that did not: logAttempts sends the call's failed
//     attempts, from its routing trace, just before its result.
//
// Both write straight to the protocol stream (see lockedWriter), so a log
// line never arrives after the result it explains.
const logger = "llxprt.balancer"

// forwardEvents sends failovers live to a classic session until ctx ends.
// It needs the stdio session's context, which mcp-go hands out once Listen
// has registered the session.
func (h *handler) forwardEvents(ctx context.Context, sessCtx <-chan context.Context) {
	var sc context.Context
	select {
	case sc = <-sessCtx:
	case <-ctx.Done():
		return
	}
	unsub := h.svc.Subscribe(func(ev server.StatusEvent) {
		if ev.Failover == nil || h.modern.Load() {
			return
		}
		level := mcpgo.LoggingLevelWarning
		if ev.Kind == "error" {
			level = mcpgo.LoggingLevelError
		}
		sess, ok := mcpserver.ClientSessionFromContext(sc).(mcpserver.SessionWithLogging)
		if !ok || !sess.Initialized() || !level.ShouldSendTo(sess.GetLogLevel()) {
			return
		}
		h.sendLog(level, map[string]any{"message": ev.Message, "profile": ev.Profile, "event": ev.Failover})
	})
	<-ctx.Done()
	unsub()
}

// noteProtocol records the request's protocol era and returns its
// per-request log level ("" for none, or for a classic request).
func (h *handler) noteProtocol(ctx context.Context) mcpgo.LoggingLevel {
	info := mcpserver.RequestProtocolInfoFromContext(ctx)
	if info == nil || !info.Modern {
		return ""
	}
	h.modern.Store(true)
	return info.LogLevel
}

// logAttempts sends a modern request's failed attempts at the level it
// asked for.
func (h *handler) logAttempts(want mcpgo.LoggingLevel, attempts []balancer.Attempt) {
	if want == "" || !mcpgo.LoggingLevelWarning.ShouldSendTo(want) {
		return
	}
	for _, a := range attempts {
		if a.Outcome != "failed" {
			continue
		}
		h.sendLog(mcpgo.LoggingLevelWarning, map[string]any{
			"message": fmt.Sprintf("failover: %s failed: %s", a.Bucket, a.Reason),
			"attempt": a,
		})
	}
}

func (h *handler) sendLog(level mcpgo.LoggingLevel, data any) {
	if err := h.notify(string(mcpgo.MethodNotificationMessage), map[string]any{"level": level, "logger": logger, "data": data}); err != nil {
		h.log.Debug().Err(err).Msg("mcp: log notification not sent")
	}
}
