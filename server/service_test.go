package server_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"

	"github.com/llxprt/llxprt-ls/internal/demo"
	"github.com/llxprt/llxprt-ls/providers/providertest"
	"github.com/llxprt/llxprt-ls/server"
)

// fixture is a config dir with the demo profile saved as "demo" (the
// default) and a running simulation behind it.
type fixture struct {
	dir string
	env *demo.Env
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	env, err := demo.Start(t.Context(), demo.Options{FirstTokenTimeout: 10 * time.Second}) // generous: no test here hangs a bucket
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	f := &fixture{dir: t.TempDir(), env: env}
	f.write(t, "demo", string(env.JSON))
	if err := os.WriteFile(filepath.Join(f.dir, "settings.json"), []byte(`{"defaultProfile": "demo"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) write(t *testing.T, name, doc string) {
	t.Helper()
	dir := filepath.Join(f.dir, "profiles")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, "."+name+".tmp")
	if err := os.WriteFile(tmp, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name+".json")); err != nil {
		t.Fatal(err)
	}
}

// single is a one-bucket profile on one of the fixture's fakes.
func (f *fixture) single(provider, model, url string) string {
	return fmt.Sprintf(`{"version":1,"provider":"lb","ephemeralSettings":{"failover_retry_count":1,"lb":{"type":"failover","buckets":[{"provider":%q,"model":%q,"base-url":%q,"key":"k-test"}]}}}`, provider, model, url)
}

func (f *fixture) service(t *testing.T, mod ...func(*server.Options)) *server.Service {
	t.Helper()
	opts := server.Options{ConfigDir: f.dir, Logger: zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel), NoWatch: true}
	for _, m := range mod {
		m(&opts)
	}
	svc, err := server.New(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close() })
	return svc
}

func chat(t *testing.T, svc *server.Service, req server.ChatRequest) *server.ChatResult {
	t.Helper()
	var deltas strings.Builder
	n := 0
	res, err := svc.Chat(t.Context(), req, func(s string) { deltas.WriteString(s); n++ })
	if err != nil {
		t.Fatalf("Chat(%q): %v", req.Prompt, err)
	}
	if deltas.String() != res.Text {
		t.Errorf("deltas %q != text %q", deltas.String(), res.Text)
	}
	if n < 2 {
		t.Errorf("answer came in %d delta(s), want it streamed in several", n)
	}
	return res
}

func TestChatSessionSurvivesRestart(t *testing.T) {
	f := newFixture(t)
	svc := f.service(t)
	r1 := chat(t, svc, server.ChatRequest{Prompt: "first question"})
	if r1.Provider != "anthropic" || r1.SessionID == "" || !strings.Contains(r1.Text, "turn 1") {
		t.Fatalf("first answer: %+v", r1)
	}
	r2 := chat(t, svc, server.ChatRequest{Prompt: "second", SessionID: r1.SessionID})
	if !strings.Contains(r2.Text, "turn 2") {
		t.Errorf("second answer does not see the history: %q", r2.Text)
	}
	// Another process (a restart, or the MCP front end) continues it.
	other := f.service(t)
	r3 := chat(t, other, server.ChatRequest{Prompt: "third", SessionID: r1.SessionID})
	if !strings.Contains(r3.Text, "turn 3") {
		t.Errorf("after restart: %q", r3.Text)
	}
	// ...and the first process sees the turn the other one appended.
	r4 := chat(t, svc, server.ChatRequest{Prompt: "fourth", SessionID: r1.SessionID})
	if !strings.Contains(r4.Text, "turn 4") {
		t.Errorf("first process missed the other's turn: %q", r4.Text)
	}
	reqs := f.env.Anthropic.Requests()
	last := string(reqs[len(reqs)-1].Body)
	for _, s := range []string{"first question", "second", "third", "fourth"} {
		if !strings.Contains(last, s) {
			t.Errorf("last request lacks history %q", s)
		}
	}
}

func TestSessionTornLastLineIgnored(t *testing.T) {
	f := newFixture(t)
	dir := filepath.Join(f.dir, "sessions")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	good := `{"time":"2026-01-01T00:00:00Z","user":"kept question","assistant":"kept answer"}` + "\n"
	torn := `{"time":"2026-01-01T00:00:01Z","user":"torn`
	if err := os.WriteFile(filepath.Join(dir, "s1.jsonl"), []byte(good+"not json\n"+torn), 0o600); err != nil {
		t.Fatal(err)
	}
	svc := f.service(t)
	res := chat(t, svc, server.ChatRequest{Prompt: "next", SessionID: "s1"})
	if !strings.Contains(res.Text, "turn 2") {
		t.Errorf("want the one good turn plus this one, got %q", res.Text)
	}
	// The turn appended after the torn line is not glued to it and lost.
	res = chat(t, svc, server.ChatRequest{Prompt: "again", SessionID: "s1"})
	if !strings.Contains(res.Text, "turn 3") {
		t.Errorf("the turn after the torn line was lost: %q", res.Text)
	}
}

func TestHistoryBoundedOldestDropped(t *testing.T) {
	f := newFixture(t)
	svc := f.service(t, func(o *server.Options) { o.MaxHistory = 2 })
	id := ""
	var res *server.ChatResult
	for i := range 4 {
		res = chat(t, svc, server.ChatRequest{Prompt: fmt.Sprintf("q%d", i), SessionID: id})
		id = res.SessionID
	}
	if res.Dropped != 1 {
		t.Errorf("Dropped = %d, want 1 (3 earlier turns, 2 kept)", res.Dropped)
	}
	if !strings.Contains(res.Text, "turn 3") {
		t.Errorf("model should see 2 turns + the new one: %q", res.Text)
	}
}

func TestChatRefusesBadInput(t *testing.T) {
	f := newFixture(t)
	svc := f.service(t, func(o *server.Options) { o.MaxPromptBytes = 1 << 10 })
	tests := []struct {
		name  string
		req   server.ChatRequest
		field string
	}{
		{"empty prompt", server.ChatRequest{Prompt: " \n"}, "prompt"},
		{"too large", server.ChatRequest{Prompt: strings.Repeat("x", 2<<10)}, "prompt"},
		{"invalid utf-8", server.ChatRequest{Prompt: "a\xffb"}, "prompt"},
		{"traversal session id", server.ChatRequest{Prompt: "hi", SessionID: "../../etc/passwd"}, "sessionId"},
		{"attachment not utf-8", server.ChatRequest{Prompt: "hi", Context: []server.Attachment{{Path: "a", Text: "\xc3"}}}, "context[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.Chat(t.Context(), tt.req, nil)
			ie, ok := server.AsInputError(err)
			if !ok || ie.Field != tt.field {
				t.Fatalf("err = %v, want an InputError on %s", err, tt.field)
			}
		})
	}
	if n := f.env.Anthropic.Total(); n != 0 {
		t.Errorf("%d requests reached a provider", n)
	}
	if _, err := os.Stat(filepath.Join(f.dir, "etc")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("traversal created something: %v", err)
	}
}

func TestFailoverIsReportedAndServed(t *testing.T) {
	f := newFixture(t)
	svc := f.service(t)
	var mu sync.Mutex
	var events []server.StatusEvent
	unsub := svc.Subscribe(func(ev server.StatusEvent) { mu.Lock(); events = append(events, ev); mu.Unlock() })
	defer unsub()
	f.env.SetScene(demo.Scene{PrimaryDown: true})
	res := chat(t, svc, server.ChatRequest{Prompt: "hello"})
	if res.Provider != "openai" || res.Failovers != 1 {
		t.Errorf("served by %s after %d failovers, want openai after 1", res.Provider, res.Failovers)
	}
	if len(res.Attempts) < 2 || res.Attempts[0].Outcome != "failed" {
		t.Errorf("attempts: %+v", res.Attempts)
	}
	mu.Lock()
	defer mu.Unlock()
	var sawFailover, sawBusy, sawIdle bool
	for _, ev := range events {
		sawFailover = sawFailover || (ev.Failover != nil && ev.Kind == "warning" && strings.Contains(ev.Message, "anthropic"))
		sawBusy = sawBusy || ev.Busy
		sawIdle = sawIdle || (!ev.Busy && ev.Bucket == res.Bucket)
	}
	if !sawFailover || !sawBusy || !sawIdle {
		t.Errorf("events failover=%v busy=%v idle=%v: %+v", sawFailover, sawBusy, sawIdle, events)
	}
	if st := svc.Status(); st.LastServed != res.Bucket || st.Profile != "demo" || st.Policy != "failover" || len(st.Buckets) != 3 {
		t.Errorf("status: %+v", st)
	}
}

func TestCancelReachesTheProvider(t *testing.T) {
	env, err := demo.Start(t.Context(), demo.Options{Pace: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	svc, err := server.New(t.Context(), server.Options{ConfigDir: t.TempDir(), Inline: env.Profile, NoWatch: true})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	// The first chunk comes at once, the next in an hour: cancel on the first.
	_, err = svc.Chat(ctx, server.ChatRequest{Prompt: "slow"}, func(string) { cancel() })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	for env.Anthropic.Abandoned() == 0 {
		waitABit()
	}
	if st := svc.Status(); st.Busy != 0 {
		t.Errorf("busy = %d after cancel", st.Busy)
	}
}

// waitABit yields while polling a counter of the fake server, which has no
// channel to wait on; the test's own deadline bounds the loop.
func waitABit() { time.Sleep(time.Millisecond) }

func TestRunAction(t *testing.T) {
	f := newFixture(t)
	svc := f.service(t)
	code := "\tif x {\n\t\treturn 1\n\t}\n"
	res, err := svc.RunAction(t.Context(), server.ActionRequest{Action: "fix", Code: code, Language: "go", Path: "a.go", Diagnostics: []string{"missing return"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := "\t// llxprt-demo: fix\n" + code
	if res.Code != want {
		t.Errorf("Code = %q, want %q", res.Code, want)
	}
	if res.Explanation != "Here is the result." || res.Provider != "anthropic" {
		t.Errorf("explanation %q provider %q", res.Explanation, res.Provider)
	}
	ex, err := svc.RunAction(t.Context(), server.ActionRequest{Action: "explain", Code: "x = 1", Language: "python"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ex.Code != "" || !strings.Contains(ex.Explanation, "1 line(s) of python") {
		t.Errorf("explain: %+v", ex)
	}
	if _, err := svc.RunAction(t.Context(), server.ActionRequest{Action: "fix", Code: "  "}, nil); err == nil {
		t.Error("empty code accepted")
	}
}

func TestUserActionsFromSettings(t *testing.T) {
	f := newFixture(t)
	// LLxprt Code allows comments in settings.json; so must we.
	settings := `{"defaultProfile": "demo", // the recipe's
	/* ours: */ "actions": [{"title": "LLxprt: Make it async", "kind": "refactor.rewrite", "prompt": "Make this {{language}} async:\n{{code}}"}]}`
	if err := os.WriteFile(filepath.Join(f.dir, "settings.json"), []byte(settings), 0o600); err != nil {
		t.Fatal(err)
	}
	svc := f.service(t)
	acts := svc.Actions(false)
	last := acts[len(acts)-1]
	if last.ID != "custom:0" || last.Title != "LLxprt: Make it async" || !last.Edits {
		t.Fatalf("actions: %+v", acts)
	}
	res, err := svc.RunAction(t.Context(), server.ActionRequest{Action: "custom:0", Code: "def f(): pass", Language: "python"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Code != "# llxprt-demo: custom:0\ndef f(): pass" {
		t.Errorf("Code = %q", res.Code)
	}
}

func TestLoadProfileSwitchesTheBalancer(t *testing.T) {
	f := newFixture(t)
	f.write(t, "gem", f.single("gemini", "gemini-3-flash-preview", f.env.Gemini.URL))
	svc := f.service(t)
	if res := chat(t, svc, server.ChatRequest{Prompt: "a"}); res.Provider != "anthropic" {
		t.Fatalf("before: %s", res.Provider)
	}
	st, err := svc.LoadProfile(t.Context(), "gem", true)
	if err != nil {
		t.Fatal(err)
	}
	if st.Profile != "gem" || len(st.Buckets) != 1 {
		t.Errorf("status after load: %+v", st)
	}
	if res := chat(t, svc, server.ChatRequest{Prompt: "b"}); res.Provider != "gemini" {
		t.Errorf("after: %s", res.Provider)
	}
	list, err := svc.Profiles()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range list {
		if p.Active != (p.Name == "gem") || p.IsDefault != (p.Name == "gem") {
			t.Errorf("%s: active=%v default=%v", p.Name, p.Active, p.IsDefault)
		}
	}
	// A request may still name another profile.
	if res := chat(t, svc, server.ChatRequest{Prompt: "c", Profile: "demo"}); res.Provider != "anthropic" {
		t.Errorf("named profile: %s", res.Provider)
	}
	for _, name := range []string{"../../etc/passwd", "missing"} {
		if _, err := svc.LoadProfile(t.Context(), name, false); err == nil {
			t.Errorf("LoadProfile(%q) succeeded", name)
		}
	}
	if st := svc.Status(); st.Profile != "gem" {
		t.Errorf("a failed load changed the profile to %s", st.Profile)
	}
}

func TestProfileEditedOnDisk(t *testing.T) {
	f := newFixture(t)
	svc := f.service(t, func(o *server.Options) { o.NoWatch = false })
	events := make(chan server.StatusEvent, 64)
	unsub := svc.Subscribe(func(ev server.StatusEvent) {
		if ev.Profile == "demo" && !ev.Busy && ev.Failover == nil {
			select {
			case events <- ev:
			default:
			}
		}
	})
	defer unsub()
	// write saves doc until the watcher reports the change: the watcher
	// starts on its own goroutine and may not watch yet at the first write.
	write := func(doc, kind, text string) {
		t.Helper()
		deadline := time.After(20 * time.Second)
		for {
			f.write(t, "demo", doc)
			retry := time.After(500 * time.Millisecond)
			for {
				select {
				case ev := <-events:
					if ev.Kind == kind && strings.Contains(ev.Message, text) {
						return
					}
					continue
				case <-retry:
				case <-deadline:
					t.Fatalf("no %s event with %q", kind, text)
				}
				break
			}
		}
	}
	write(f.single("openai", "gpt-5.2", f.env.OpenAI.URL), "normal", "reloaded")
	if res := chat(t, svc, server.ChatRequest{Prompt: "x"}); res.Provider != "openai" {
		t.Errorf("after edit: %s", res.Provider)
	}
	write(`{"provider": "lb", "ephemeralSettings": {"lb": {"type": "failover", "buckets": [`, "warning", "cannot be used")
	if res := chat(t, svc, server.ChatRequest{Prompt: "y"}); res.Provider != "openai" {
		t.Errorf("broken edit replaced the balancer: %s", res.Provider)
	}
	if st := svc.Status(); len(st.Warnings) == 0 || !strings.Contains(strings.Join(st.Warnings, "\n"), "demo") {
		t.Errorf("warnings: %q", st.Warnings)
	}
}

func TestNoProfileSaysWhatToDo(t *testing.T) {
	svc, err := server.New(t.Context(), server.Options{ConfigDir: t.TempDir(), NoWatch: true})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	_, err = svc.Chat(t.Context(), server.ChatRequest{Prompt: "hi"}, nil)
	if !errors.Is(err, server.ErrNoProfile) || !strings.Contains(err.Error(), "llxprt-ls profile init") {
		t.Errorf("err = %v", err)
	}
	if st := svc.Status(); st.Error == "" {
		t.Errorf("status has no error: %+v", st)
	}
}

func TestConcurrentSessions(t *testing.T) {
	f := newFixture(t)
	svc := f.service(t)
	const perSession = 4
	var wg sync.WaitGroup
	for _, id := range []string{"alpha", "beta", "gamma"} {
		for range perSession {
			wg.Go(func() {
				if _, err := svc.Chat(t.Context(), server.ChatRequest{Prompt: "p", SessionID: id}, nil); err != nil {
					t.Error(err)
				}
				// Readers run alongside (the race detector watches).
				_ = svc.Status()
				_ = svc.Actions(true)
			})
		}
	}
	wg.Go(func() {
		if _, err := svc.LoadProfile(t.Context(), "demo", false); err != nil {
			t.Error(err)
		}
	})
	wg.Wait()
	for _, id := range []string{"alpha", "beta", "gamma"} {
		res := chat(t, svc, server.ChatRequest{Prompt: "last", SessionID: id})
		if want := fmt.Sprintf("turn %d", perSession+1); !strings.Contains(res.Text, want) {
			t.Errorf("%s: %q lacks %q: a turn was lost or interleaved", id, res.Text, want)
		}
		data, err := os.ReadFile(filepath.Join(f.dir, "sessions", id+".jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(data), "\n"); n != perSession+1 {
			t.Errorf("%s: %d lines on disk", id, n)
		}
	}
}

func TestConsensusProbeAndModels(t *testing.T) {
	f := newFixture(t)
	svc := f.service(t)
	f.env.SetScene(demo.Scene{PrimaryDown: true})
	answers, err := svc.Consensus(t.Context(), "which is best?", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(answers) != 3 || answers[0].Error == "" || answers[1].Text == "" || answers[2].Provider != "gemini" {
		t.Errorf("answers: %+v", answers)
	}
	only, err := svc.Consensus(t.Context(), "q", []string{"gemini"})
	if err != nil || len(only) != 1 {
		t.Errorf("named bucket: %v %+v", err, only)
	}
	if _, err := svc.Consensus(t.Context(), "q", []string{"nope"}); err == nil {
		t.Error("unknown bucket accepted")
	}
	probe, err := svc.Probe(t.Context(), 5*time.Second)
	if err != nil || len(probe) != 3 || probe[0].Kind != "overloaded" || probe[2].Error != "" {
		t.Errorf("probe: %v %+v", err, probe)
	}
	ms, err := svc.ListModels(t.Context())
	if err != nil || len(ms) != 3 || len(ms[0].Models) == 0 || ms[0].InUse[0] != "claude-sonnet-4-5" {
		t.Errorf("models: %v %+v", err, ms)
	}
}

func TestSessionFileReplacedBehindOurBack(t *testing.T) {
	f := newFixture(t)
	svc := f.service(t)
	id := chat(t, svc, server.ChatRequest{Prompt: "one"}).SessionID
	chat(t, svc, server.ChatRequest{Prompt: "two", SessionID: id})
	if err := os.WriteFile(filepath.Join(f.dir, "sessions", id+".jsonl"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if res := chat(t, svc, server.ChatRequest{Prompt: "three", SessionID: id}); !strings.Contains(res.Text, "turn 1") {
		t.Errorf("a truncated session file should start over: %q", res.Text)
	}
}

func TestProfileInitBringsAServerToLife(t *testing.T) {
	dir := t.TempDir()
	svc, err := server.New(t.Context(), server.Options{ConfigDir: dir, NoWatch: true})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	env, err := demo.Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	if err := os.WriteFile(filepath.Join(dir, "settings.json"), []byte(`{"defaultProfile": "later"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	// SaveProfile goes through the same path as the watcher.
	if err := svc.SaveProfile("later", env.JSON); err != nil {
		t.Fatal(err)
	}
	if st := svc.Status(); st.Profile != "later" || st.Error != "" {
		t.Fatalf("status after the default appeared: %+v", st)
	}
	if err := svc.SaveProfile("broken", []byte(`{"provider": "lb"`)); err == nil {
		t.Error("a broken document was saved")
	}
	if _, err := os.Stat(filepath.Join(dir, "profiles", "broken.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("broken profile written: %v", err)
	}
}

func TestInFlightRequestFinishesOnTheOldProfile(t *testing.T) {
	f := newFixture(t)
	f.write(t, "gem", f.single("gemini", "gemini-3-flash-preview", f.env.Gemini.URL))
	svc := f.service(t)
	switched := false
	var during *server.ChatResult
	res, err := svc.Chat(t.Context(), server.ChatRequest{Prompt: "long answer"}, func(string) {
		if switched {
			return
		}
		switched = true
		// Switch while this answer is streaming, and serve another request.
		if _, err := svc.LoadProfile(t.Context(), "gem", false); err != nil {
			t.Error(err)
		}
		during = chat(t, svc, server.ChatRequest{Prompt: "meanwhile"})
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Provider != "anthropic" || !strings.Contains(res.Text, "would fail over if it broke.") {
		t.Errorf("in-flight request: %s %q", res.Provider, res.Text)
	}
	if during == nil || during.Provider != "gemini" {
		t.Errorf("request started after the switch: %+v", during)
	}
}

func TestConversationTooLongDropsOldestTurns(t *testing.T) {
	f := newFixture(t)
	// One bucket with a 3000-token window; each turn is about 1000 tokens.
	f.write(t, "small", fmt.Sprintf(`{"version":1,"provider":"lb","ephemeralSettings":{"failover_retry_count":1,"lb":{"type":"failover","buckets":[{"provider":"anthropic","model":"claude-sonnet-4-5","base-url":%q,"key":"k","context-limit":3000}]}}}`, f.env.Anthropic.URL))
	svc := f.service(t, func(o *server.Options) { o.Profile = "small" })
	id := ""
	var res *server.ChatResult
	for i := range 5 {
		res = chat(t, svc, server.ChatRequest{Prompt: fmt.Sprintf("q%d ", i) + strings.Repeat("lorem ipsum ", 300), SessionID: id})
		id = res.SessionID
	}
	if res.Dropped == 0 {
		t.Errorf("no turn dropped: %+v", res)
	}
	if _, err := svc.Chat(t.Context(), server.ChatRequest{Prompt: strings.Repeat("lorem ipsum ", 3000), SessionID: id}, nil); err == nil {
		t.Error("a prompt larger than every window alone succeeded")
	}
}

// "test" keeps the code: its result is the tests alone, to add after the
// range (Placement "after"); "document" is the code with its docs, a full
// replacement.
func TestRunActionPlacement(t *testing.T) {
	f := newFixture(t)
	svc := f.service(t)
	code := "func add(a, b int) int { return a + b }\n"
	tests := []struct {
		action, placement string
		want              string
	}{
		{"test", server.PlaceAfter, "// llxprt-demo: test (simulated tests for the 1 line(s) above)\n"},
		{"document", server.PlaceReplace, "// llxprt-demo: document\n" + code},
	}
	for _, tt := range tests {
		res, err := svc.RunAction(t.Context(), server.ActionRequest{Action: tt.action, Code: code, Language: "go"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Placement != tt.placement || res.Code != tt.want {
			t.Errorf("%s: placement %q code %q, want %q %q", tt.action, res.Placement, res.Code, tt.placement, tt.want)
		}
	}
	for _, a := range svc.Actions(false) {
		want := server.PlaceReplace
		switch a.ID {
		case "test":
			want = server.PlaceAfter
		case "explain":
			want = ""
		}
		if a.Placement != want {
			t.Errorf("action %s: placement %q, want %q", a.ID, a.Placement, want)
		}
	}
}

// A "type": "loadbalancer" profile is built from other saved profiles: an
// edit of one of them must reach the running balancer, as an edit of the
// profile itself does, for the active profile and for one a request names.
func TestMemberEditRebuildsLoadBalancerProfile(t *testing.T) {
	f := newFixture(t)
	f.write(t, "gem", f.single("gemini", "gemini-3-flash-preview", f.env.Gemini.URL))
	f.write(t, "pool", `{"version": 1, "type": "loadbalancer", "policy": "failover", "profiles": ["gem"]}`)
	f.write(t, "outer", `{"version": 1, "type": "loadbalancer", "policy": "failover", "profiles": ["pool"]}`)
	svc := f.service(t)
	if _, err := svc.LoadProfile(t.Context(), "pool", false); err != nil {
		t.Fatal(err)
	}
	if res := chat(t, svc, server.ChatRequest{Prompt: "a"}); res.Provider != "gemini" {
		t.Fatalf("before: %s", res.Provider)
	}
	if res := chat(t, svc, server.ChatRequest{Prompt: "a", Profile: "outer"}); res.Provider != "gemini" {
		t.Fatalf("named before: %s", res.Provider)
	}
	// SaveProfile goes through the same path as the watcher.
	if err := svc.SaveProfile("gem", []byte(f.single("openai", "gpt-5.2", f.env.OpenAI.URL))); err != nil {
		t.Fatal(err)
	}
	if res := chat(t, svc, server.ChatRequest{Prompt: "b"}); res.Provider != "openai" {
		t.Errorf("active profile after its member changed: %s", res.Provider)
	}
	if res := chat(t, svc, server.ChatRequest{Prompt: "b", Profile: "outer"}); res.Provider != "openai" {
		t.Errorf("named profile after its member changed: %s", res.Provider)
	}
	if st := svc.Status(); st.Profile != "pool" {
		t.Errorf("active profile = %s", st.Profile)
	}
}

// A warning that a broken edit of the active profile is being ignored
// ("still serving the previous version") must go when another profile is
// loaded: the old one is not serving at all any more.
func TestLoadProfileClearsTheOldProfilesWarning(t *testing.T) {
	f := newFixture(t)
	f.write(t, "gem", f.single("gemini", "gemini-3-flash-preview", f.env.Gemini.URL))
	svc := f.service(t, func(o *server.Options) { o.Env = func(string) string { return "" } })
	// Parses, but no bucket has a credential: the old balancer keeps serving.
	if err := svc.SaveProfile("demo", []byte(`{"version": 1, "provider": "gemini", "model": "gemini-3-flash-preview"}`)); err != nil {
		t.Fatal(err)
	}
	if st := svc.Status(); !strings.Contains(strings.Join(st.Warnings, "\n"), "still serving the previous version") {
		t.Fatalf("no warning for the broken edit: %q", st.Warnings)
	}
	if _, err := svc.LoadProfile(t.Context(), "gem", false); err != nil {
		t.Fatal(err)
	}
	if st := svc.Status(); len(st.Warnings) != 0 {
		t.Errorf("warnings after switching away: %q", st.Warnings)
	}
}

// Failover and exhaustion events of a request that names a profile other
// than the active one must say which profile they came from.
func TestEventsNameTheProfileThatServed(t *testing.T) {
	f := newFixture(t)
	f.write(t, "dead", f.single("openai", "gpt-5.2", providertest.DeadURL()))
	svc := f.service(t)
	var mu sync.Mutex
	var got []string
	defer svc.Subscribe(func(ev server.StatusEvent) {
		if ev.Failover != nil {
			mu.Lock()
			got = append(got, ev.Profile)
			mu.Unlock()
		}
	})()
	if _, err := svc.Chat(t.Context(), server.ChatRequest{Prompt: "hi", Profile: "dead"}, nil); err == nil {
		t.Fatal("a dead bucket answered")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) == 0 {
		t.Fatal("no failover or exhaustion event")
	}
	for _, p := range got {
		if p != "dead" {
			t.Errorf("event attributed to profile %q, want dead", p)
		}
	}
}

// TestInlineProfileIsListed: a server started with --profile or --demo lists
// that profile first, active and marked inline (it is not saved, so it
// cannot be loaded by name), beside the saved ones; once a saved profile is
// loaded, the inline one is gone from the list.
func TestInlineProfileIsListed(t *testing.T) {
	f := newFixture(t)
	f.write(t, "gem", f.single("gemini", "gemini-3-flash-preview", f.env.Gemini.URL))
	svc := f.service(t, func(o *server.Options) { o.Inline, o.InlineName = f.env.Profile, "try-me" })
	list, err := svc.Profiles()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range list {
		got = append(got, fmt.Sprintf("%s active=%v inline=%v buckets=%d", p.Name, p.Active, p.Inline, len(p.Buckets)))
	}
	want := []string{"try-me active=true inline=true buckets=3", "demo active=false inline=false buckets=3", "gem active=false inline=false buckets=1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("profiles (-want +got):\n%s", diff)
	}
	if _, err := svc.LoadProfile(t.Context(), "gem", false); err != nil {
		t.Fatal(err)
	}
	list, _ = svc.Profiles()
	for _, p := range list {
		if p.Inline || p.Active != (p.Name == "gem") {
			t.Errorf("after loading gem: %+v", p)
		}
	}
}
