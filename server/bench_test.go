package server_test

import (
	"testing"

	"github.com/llxprt/llxprt-ls/internal/demo"
	"github.com/llxprt/llxprt-ls/server"
)

// BenchmarkChat is one chat through the Service, the balancer and the
// Anthropic adapter to a fake on loopback: what the Service adds (session
// lock, history, the turn's append and fsync) on top of the request itself.
func BenchmarkChat(b *testing.B) {
	for _, bc := range []struct {
		name       string
		noSessions bool
		session    bool
	}{{"stateless", true, false}, {"new-session-each", false, false}, {"one-session", false, true}} {
		b.Run(bc.name, func(b *testing.B) {
			env, err := demo.Start(b.Context())
			if err != nil {
				b.Fatal(err)
			}
			defer env.Close()
			env.Anthropic.SetRecording(false)
			svc, err := server.New(b.Context(), server.Options{ConfigDir: b.TempDir(), Inline: env.Profile, NoWatch: true, NoSessions: bc.noSessions, MaxHistory: 4})
			if err != nil {
				b.Fatal(err)
			}
			defer svc.Close()
			id := ""
			if bc.session {
				id = "bench"
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.Chat(b.Context(), server.ChatRequest{Prompt: "hi", SessionID: id}, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
