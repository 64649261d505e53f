package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/llxprt/llxprt-ls/balancer"
	"github.com/llxprt/llxprt-ls/profile"
	"github.com/llxprt/llxprt-ls/providers"
	"github.com/llxprt/llxprt-ls/server"
)

// maxFileBytes bounds a file the chat tool reads from disk by path.
const maxFileBytes = 1 << 20

// fileArg is a file given as context to chat.
type fileArg struct {
	Path     string `json:"path" jsonschema:"Path of the file. When text is omitted the server reads the file from disk (at most 1 MiB)."`
	Text     string `json:"text,omitempty" jsonschema:"The file's content or a selection of it; omit to read the file at path."`
	Language string `json:"language,omitempty" jsonschema:"Language id, e.g. go, python, typescript."`
}

type chatArgs struct {
	Prompt    string    `json:"prompt" jsonschema:"The message to send."`
	SessionID string    `json:"session_id,omitempty" jsonschema:"Continue this conversation: the session_id a previous chat returned (also the id of a chat started in the user's editor). Omit to start a new conversation."`
	System    string    `json:"system,omitempty" jsonschema:"Optional system prompt."`
	Profile   string    `json:"profile,omitempty" jsonschema:"Route through this saved profile instead of the active one."`
	Files     []fileArg `json:"files,omitempty" jsonschema:"Files or selections to include as context."`
}

type chatOut struct {
	SessionID    string          `json:"session_id"`
	Provider     string          `json:"provider"`
	Model        string          `json:"model"`
	Bucket       string          `json:"bucket"`
	Usage        providers.Usage `json:"usage"`
	CostUSD      float64         `json:"cost_usd"`
	Failovers    int             `json:"failovers"`
	DroppedTurns int             `json:"dropped_turns,omitempty"`
	Attempts     []attempt       `json:"attempts"`
}

type consensusArgs struct {
	Prompt  string   `json:"prompt" jsonschema:"The question to ask every bucket."`
	Buckets []string `json:"buckets,omitempty" jsonschema:"Only these buckets of the active profile (bucket name, provider or model); omit to ask all."`
}

type codeActionArgs struct {
	Code        string   `json:"code" jsonschema:"The code to act on."`
	Action      string   `json:"action" jsonschema:"fix, refactor, document, test or explain; or a free-text instruction such as 'convert to async'."`
	Language    string   `json:"language,omitempty" jsonschema:"Language id of the code, e.g. go, python."`
	Path        string   `json:"path,omitempty" jsonschema:"File the code comes from."`
	Diagnostics []string `json:"diagnostics,omitempty" jsonschema:"Compiler or linter messages about the code (used by fix)."`
}

type codeActionOut struct {
	Code string `json:"code" jsonschema:"With placement replace, the code to put in place of the original; with placement after (test), the code to add after the original, which stays."`
	// Placement is "replace" or "after"; absent for explain.
	Placement   string          `json:"placement,omitempty" jsonschema:"replace: code replaces the original; after: code (the generated tests) goes after the original, which is kept; absent for explain."`
	Explanation string          `json:"explanation,omitempty"`
	Provider    string          `json:"provider"`
	Model       string          `json:"model"`
	Bucket      string          `json:"bucket"`
	Usage       providers.Usage `json:"usage"`
	CostUSD     float64         `json:"cost_usd"`
	Failovers   int             `json:"failovers"`
	Attempts    []attempt       `json:"attempts"`
}

// attempt is one line of the routing trace as tools report it: the
// balancer's Attempt with its kind by name and durations in milliseconds,
// so the output schema describes exactly what is sent.
type attempt struct {
	Bucket     string  `json:"bucket"`
	Provider   string  `json:"provider"`
	Model      string  `json:"model"`
	Outcome    string  `json:"outcome" jsonschema:"served, failed, skipped or cancelled"`
	Reason     string  `json:"reason,omitempty"`
	Kind       string  `json:"kind,omitempty" jsonschema:"the error's kind: rate_limited, overloaded, server, timeout, network, auth, billing, bad_request, context_too_long …"`
	Status     int     `json:"status,omitempty"`
	StartMs    float64 `json:"start_ms"`
	TTFTMs     float64 `json:"ttft_ms,omitempty"`
	DurationMs float64 `json:"duration_ms,omitempty"`
	Hedge      bool    `json:"hedge,omitempty"`
}

func attempts(in []balancer.Attempt) []attempt {
	out := make([]attempt, len(in))
	for i, a := range in {
		out[i] = attempt{Bucket: a.Bucket, Provider: a.Provider, Model: a.Model, Outcome: a.Outcome, Reason: a.Reason,
			Status: a.Status, StartMs: ms(a.Start), TTFTMs: ms(a.TTFT), DurationMs: ms(a.Duration), Hedge: a.Hedge}
		if a.Kind != providers.KindUnknown {
			out[i].Kind = a.Kind.String()
		}
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

type noArgs struct{}

// noArgsSchema is the input schema of a tool without arguments. It spells
// out the empty "properties" the generated schema leaves out: clients that
// hand MCP tools to OpenAI-style function calling reject an object schema
// without it.
func noArgsSchema(t *mcpgo.Tool) {
	t.InputSchema.Type = "" // the raw schema replaces the structured one
	t.RawInputSchema = json.RawMessage(`{"type":"object","properties":{},"additionalProperties":false}`)
}

type nameArgs struct {
	Name string `json:"name" jsonschema:"Profile name, as profile_list shows it."`
}

type loadArgs struct {
	Name    string `json:"name" jsonschema:"Profile to make active."`
	Persist bool   `json:"persist,omitempty" jsonschema:"Also make it the default profile for future sessions."`
}

type saveArgs struct {
	Name    string `json:"name" jsonschema:"Profile name: letters, digits, '.', '_' or '-', at most 64."`
	Profile any    `json:"profile" jsonschema:"The profile document: a JSON object in LLxprt's profile format (e.g. {\"version\":1,\"provider\":\"lb\",\"ephemeralSettings\":{\"lb\":{\"type\":\"failover\",\"buckets\":[...]}}}), or a string holding JSON or TOML."`
}

type statusArgs struct {
	Probe bool `json:"probe,omitempty" jsonschema:"Also send every bucket a tiny request now and report what answered and how fast."`
}

func (h *handler) addTools() {
	ro := func(title string) mcpgo.ToolOption {
		return mcpgo.WithToolAnnotation(mcpgo.ToolAnnotation{Title: title, ReadOnlyHint: ptr(true), DestructiveHint: ptr(false), OpenWorldHint: ptr(false)})
	}
	calls := func(title string) mcpgo.ToolOption {
		return mcpgo.WithToolAnnotation(mcpgo.ToolAnnotation{Title: title, ReadOnlyHint: ptr(false), DestructiveHint: ptr(false), OpenWorldHint: ptr(true)})
	}
	h.srv.AddTool(mcpgo.NewTool("chat",
		mcpgo.WithDescription("Send a prompt to an LLM through llxprt's load balancer and get the answer. The result says which provider and model answered and returns a session_id: pass it back to continue the conversation with its history."),
		mcpgo.WithInputSchema[chatArgs](), mcpgo.WithOutputSchema[chatOut](), calls("Chat")), h.chat)
	h.srv.AddTool(mcpgo.NewTool("consensus",
		mcpgo.WithDescription("Ask every provider/model of the active profile the same question in parallel and get each answer labelled, for a second and third opinion in one call."),
		mcpgo.WithInputSchema[consensusArgs](), calls("Consensus")), h.consensus)
	h.srv.AddTool(mcpgo.NewTool("code_action",
		mcpgo.WithDescription("Run a code action on a piece of code: fix (with diagnostics), refactor, document, test, explain, or a free-text instruction. Returns only code, no markdown: for test, the tests to add after the original code (which stays, placement \"after\"); for the others, the code to replace the original with (placement \"replace\"); for explain, the explanation."),
		mcpgo.WithInputSchema[codeActionArgs](), mcpgo.WithOutputSchema[codeActionOut](), calls("Code action")), h.codeAction)
	h.srv.AddTool(mcpgo.NewTool("profile_list",
		mcpgo.WithDescription("List the saved routing profiles: name, format, policy, buckets (provider/model), validity, and which one is active and which is the default. When the server was started with an inline profile (--profile or --demo), that one comes first with inline: true; it is serving but not saved, so profile_load cannot load it by name."),
		noArgsSchema, ro("List profiles")), h.profileList)
	h.srv.AddTool(mcpgo.NewTool("profile_show",
		mcpgo.WithDescription("Show one saved profile's document, with API keys masked."),
		mcpgo.WithInputSchema[nameArgs](), ro("Show profile")), h.profileShow)
	h.srv.AddTool(mcpgo.NewTool("profile_load",
		mcpgo.WithDescription("Make a saved profile the active one: requests from now on are routed through its buckets. With persist it also becomes the default."),
		mcpgo.WithInputSchema[loadArgs](), mcpgo.WithToolAnnotation(mcpgo.ToolAnnotation{Title: "Load profile", ReadOnlyHint: ptr(false), DestructiveHint: ptr(false), IdempotentHint: ptr(true), OpenWorldHint: ptr(false)})), h.profileLoad)
	h.srv.AddTool(mcpgo.NewTool("profile_save",
		mcpgo.WithDescription("Validate and save a profile document under a name (replacing a profile of that name). An invalid document is refused with the reason and nothing is written."),
		mcpgo.WithInputSchema[saveArgs](), mcpgo.WithToolAnnotation(mcpgo.ToolAnnotation{Title: "Save profile", ReadOnlyHint: ptr(false), DestructiveHint: ptr(true), IdempotentHint: ptr(true), OpenWorldHint: ptr(false)})), h.profileSave)
	h.srv.AddTool(mcpgo.NewTool("provider_status",
		mcpgo.WithDescription("Show the active profile's buckets: provider, model, credential source, circuit state, cooldowns, last error, request counts, latency and cost. With probe, also send each bucket 'Hello, are you working?' now."),
		mcpgo.WithInputSchema[statusArgs](), mcpgo.WithToolAnnotation(mcpgo.ToolAnnotation{Title: "Provider status", ReadOnlyHint: ptr(true), DestructiveHint: ptr(false), OpenWorldHint: ptr(true)})), h.providerStatus)
	h.srv.AddTool(mcpgo.NewTool("list_models",
		mcpgo.WithDescription("List the models each provider of the active profile offers, with context window and price per million tokens where known."),
		noArgsSchema, ro("List models")), h.listModels)
	h.srv.AddTool(mcpgo.NewTool("auth_status",
		mcpgo.WithDescription("Show the OAuth logins for the free tiers (Qwen, Gemini): logged in or not, account, expiry, and the terminal command to run when a login is missing or expired (`llxprt-ls auth login qwen`). Never shows a token."),
		noArgsSchema, ro("OAuth status")), h.authStatus)
}

func (h *handler) authStatus(ctx context.Context, req mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
	if err := bind(req, &noArgs{}); err != nil {
		return fail(err)
	}
	return structured(map[string]any{"providers": h.svc.AuthStatus()})
}

func ptr[T any](v T) *T { return &v }

// fail turns an error into the tool result a model can read.
func fail(err error) (*mcpgo.CallToolResult, error) {
	return mcpgo.NewToolResultError(err.Error()), nil
}

// structured returns a JSON object as structured content with the same
// JSON as text, for clients that only read text.
func structured(v any) (*mcpgo.CallToolResult, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("mcp: encode result: %w", err)
	}
	return mcpgo.NewToolResultStructured(v, string(b)), nil
}

func (h *handler) chat(ctx context.Context, req mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
	var a chatArgs
	if err := bind(req, &a); err != nil {
		return fail(err)
	}
	if err := required("prompt", a.Prompt); err != nil {
		return fail(err)
	}
	if a.SessionID != "" && !server.ValidSessionID(a.SessionID) {
		return fail(&argError{Arg: "session_id", Msg: "not a session id this server returned (letters, digits, '-', '_')"})
	}
	atts, err := attachments(a.Files)
	if err != nil {
		return fail(err)
	}
	level := h.noteProtocol(ctx)
	p := h.progress(ctx, req)
	res, err := h.svc.Chat(ctx, server.ChatRequest{Prompt: a.Prompt, SessionID: a.SessionID, System: a.System, Profile: a.Profile, Context: atts}, p.add)
	p.close()
	if err != nil {
		return h.callError(ctx, err)
	}
	h.logAttempts(level, res.Attempts)
	out := chatOut{SessionID: res.SessionID, Provider: res.Provider, Model: res.Model, Bucket: res.Bucket, Usage: res.Usage,
		CostUSD: res.CostUSD, Failovers: res.Failovers, DroppedTurns: res.Dropped, Attempts: attempts(res.Attempts)}
	r := mcpgo.NewToolResultStructured(out, res.Text)
	r.Content = []mcpgo.Content{mcpgo.NewTextContent(res.Text), mcpgo.NewTextContent(routeLine(res))}
	return r, nil
}

func routeLine(res *server.ChatResult) string {
	s := fmt.Sprintf("[session_id %s · served by %s (%s %s)", res.SessionID, res.Bucket, res.Provider, res.Model)
	if res.Failovers > 0 {
		s += fmt.Sprintf(" after %d failover(s)", res.Failovers)
	}
	if res.Dropped > 0 {
		s += fmt.Sprintf(" · %d oldest turn(s) not sent", res.Dropped)
	}
	return s + "]"
}

func attachments(files []fileArg) ([]server.Attachment, error) {
	out := make([]server.Attachment, 0, len(files))
	for i, f := range files {
		arg := fmt.Sprintf("files[%d]", i)
		if f.Text == "" {
			if f.Path == "" {
				return nil, &argError{Arg: arg, Msg: "want a path or a text"}
			}
			fi, err := os.Stat(f.Path)
			if err != nil {
				return nil, &argError{Arg: arg + ".path", Msg: fmt.Sprintf("%v; pass its content in text instead", err)}
			}
			if !fi.Mode().IsRegular() || fi.Size() > maxFileBytes {
				return nil, &argError{Arg: arg + ".path", Msg: fmt.Sprintf("%s is not a regular file of at most 1 MiB; pass a selection in text instead", f.Path)}
			}
			b, err := os.ReadFile(f.Path)
			if err != nil {
				return nil, &argError{Arg: arg + ".path", Msg: err.Error()}
			}
			f.Text = string(b)
		}
		out = append(out, server.Attachment{Path: f.Path, Language: f.Language, Text: f.Text})
	}
	return out, nil
}

// callError reports a failed provider call. A cancelled call still gets a
// result (the client may have stopped listening); everything else is a tool
// error the model can read.
func (h *handler) callError(ctx context.Context, err error) (*mcpgo.CallToolResult, error) {
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		h.log.Info().Err(err).Msg("mcp: call cancelled")
		return mcpgo.NewToolResultError("cancelled"), nil
	}
	if ie, ok := server.AsInputError(err); ok {
		return fail(&argError{Arg: mcpArg(ie.Field), Msg: ie.Msg})
	}
	return fail(err)
}

// profileError answers a failed profile_show or profile_load: a name that
// is malformed, unknown or names a broken file is the "name" argument's
// fault; a cancel or anything else is reported as such (callError).
func (h *handler) profileError(ctx context.Context, err error) (*mcpgo.CallToolResult, error) {
	var pe *profile.Error
	if errors.Is(err, profile.ErrNotFound) || errors.Is(err, profile.ErrInvalidName) || errors.As(err, &pe) {
		return fail(&argError{Arg: "name", Msg: err.Error()})
	}
	return h.callError(ctx, err)
}

// mcpArg maps the Service's field names to this front end's argument names.
func mcpArg(field string) string {
	switch {
	case field == "sessionId":
		return "session_id"
	case strings.HasPrefix(field, "context"):
		return "files" + strings.TrimPrefix(field, "context")
	}
	return field
}

func (h *handler) consensus(ctx context.Context, req mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
	var a consensusArgs
	if err := bind(req, &a); err != nil {
		return fail(err)
	}
	if err := required("prompt", a.Prompt); err != nil {
		return fail(err)
	}
	answers, err := h.svc.Consensus(ctx, a.Prompt, a.Buckets)
	if err != nil {
		return h.callError(ctx, err)
	}
	var b strings.Builder
	for _, ans := range answers {
		fmt.Fprintf(&b, "### %s (%s %s)\n", ans.Bucket, ans.Provider, ans.Model)
		if ans.Error != "" {
			fmt.Fprintf(&b, "(no answer: %s)\n\n", ans.Error)
			continue
		}
		b.WriteString(strings.TrimSpace(ans.Text))
		b.WriteString("\n\n")
	}
	return mcpgo.NewToolResultStructured(map[string]any{"answers": answers}, strings.TrimSpace(b.String())), nil
}

func (h *handler) codeAction(ctx context.Context, req mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
	var a codeActionArgs
	if err := bind(req, &a); err != nil {
		return fail(err)
	}
	if err := required("code", a.Code); err != nil {
		return fail(err)
	}
	if err := required("action", a.Action); err != nil {
		return fail(err)
	}
	level := h.noteProtocol(ctx)
	p := h.progress(ctx, req)
	res, err := h.svc.RunAction(ctx, server.ActionRequest{Action: a.Action, Code: a.Code, Language: a.Language, Path: a.Path, Diagnostics: a.Diagnostics}, p.add)
	p.close()
	if err != nil {
		return h.callError(ctx, err)
	}
	h.logAttempts(level, res.Attempts)
	out := codeActionOut{Code: res.Code, Placement: res.Placement, Explanation: res.Explanation, Provider: res.Provider, Model: res.Model, Bucket: res.Bucket,
		Usage: res.Usage, CostUSD: res.CostUSD, Failovers: res.Failovers, Attempts: attempts(res.Attempts)}
	text := res.Code
	if text == "" {
		text = res.Explanation
	}
	return mcpgo.NewToolResultStructured(out, text), nil
}

func (h *handler) profileList(ctx context.Context, req mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
	if err := bind(req, &noArgs{}); err != nil {
		return fail(err)
	}
	list, err := h.svc.Profiles()
	if err != nil {
		return fail(err)
	}
	return structured(map[string]any{"profiles": list})
}

func (h *handler) profileShow(ctx context.Context, req mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
	var a nameArgs
	if err := bind(req, &a); err != nil {
		return fail(err)
	}
	if err := required("name", a.Name); err != nil {
		return fail(err)
	}
	doc, err := h.svc.ShowProfile(a.Name)
	if err != nil {
		return h.profileError(ctx, err)
	}
	return structured(doc)
}

func (h *handler) profileLoad(ctx context.Context, req mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
	var a loadArgs
	if err := bind(req, &a); err != nil {
		return fail(err)
	}
	if err := required("name", a.Name); err != nil {
		return fail(err)
	}
	st, err := h.svc.LoadProfile(ctx, a.Name, a.Persist)
	if err != nil {
		return h.profileError(ctx, err)
	}
	return structured(st)
}

func (h *handler) profileSave(ctx context.Context, req mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
	var a saveArgs
	if err := bind(req, &a); err != nil {
		return fail(err)
	}
	if err := required("name", a.Name); err != nil {
		return fail(err)
	}
	var data []byte
	switch p := a.Profile.(type) {
	case nil:
		return fail(&argError{Arg: "profile", Msg: "required: the profile document as a JSON object (or a string of JSON or TOML)"})
	case string:
		data = []byte(p)
	case map[string]any:
		b, err := json.MarshalIndent(p, "", "  ")
		if err != nil {
			return fail(&argError{Arg: "profile", Msg: err.Error()})
		}
		data = b
	default:
		return fail(&argError{Arg: "profile", Msg: fmt.Sprintf("want a JSON object (or a string of JSON or TOML), got %T", p)})
	}
	if err := h.svc.SaveProfile(a.Name, data); err != nil {
		return fail(&argError{Arg: "profile", Msg: err.Error()})
	}
	return structured(map[string]any{"saved": a.Name})
}

func (h *handler) providerStatus(ctx context.Context, req mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
	var a statusArgs
	if err := bind(req, &a); err != nil {
		return fail(err)
	}
	out := map[string]any{"status": h.svc.Status()}
	if a.Probe {
		p, err := h.svc.Probe(ctx, 15*time.Second)
		if err != nil {
			return h.callError(ctx, err)
		}
		out["probe"] = p
	}
	return structured(out)
}

func (h *handler) listModels(ctx context.Context, req mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
	if err := bind(req, &noArgs{}); err != nil {
		return fail(err)
	}
	list, err := h.svc.ListModels(ctx)
	if err != nil {
		return fail(err)
	}
	return structured(map[string]any{"providers": list})
}

var _ mcpserver.ToolHandlerFunc = (*handler)(nil).chat
