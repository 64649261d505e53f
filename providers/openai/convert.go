package openai

import (
	"strings"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/packages/param"
	"github.com/openai/openai-go/v3/responses"
	"github.com/openai/openai-go/v3/shared"

	"github.com/llxprt/llxprt-ls/providers"
)

// isReasoningModel reports whether an OpenAI model is a reasoning model
// (o1*, o3*, o4*, gpt-5* except the gpt-5*-chat* chat models): those take
// max_completion_tokens and reasoning_effort and reject temperature, top_p
// and stop. The name is matched as given, so a router's "openai/o3" is not a
// reasoning model here: the router maps its own parameters.
func isReasoningModel(model string) bool {
	m := strings.ToLower(model)
	if strings.HasPrefix(m, "gpt-5") {
		return !strings.Contains(m, "-chat")
	}
	for _, p := range []string{"o1", "o3", "o4"} {
		if rest, ok := strings.CutPrefix(m, p); ok && (rest == "" || rest[0] == '-') {
			return true
		}
	}
	return false
}

// responsesOnly reports whether an OpenAI model exists only on the Responses
// API: the *-pro models (o1-pro, o3-pro, gpt-5-pro and their dated
// snapshots), the codex models, deep research and computer use.
func responsesOnly(model string) bool {
	m := strings.ToLower(model)
	if strings.Contains(m, "codex") || strings.Contains(m, "deep-research") || strings.Contains(m, "computer-use") {
		return true
	}
	i := strings.Index(m, "-pro")
	return i >= 0 && (len(m) == i+4 || m[i+4] == '-')
}

// effort maps a thinking budget to a reasoning effort: up to 2048 tokens
// low, up to 16384 medium, above that high. No budget means medium, the
// API's own default.
func effort(t *providers.Thinking) shared.ReasoningEffort {
	switch b := t.BudgetTokens; {
	case b == 0:
		return shared.ReasoningEffortMedium
	case b <= 2048:
		return shared.ReasoningEffortLow
	case b <= 16384:
		return shared.ReasoningEffortMedium
	}
	return shared.ReasoningEffortHigh
}

// extraFields collects what goes into the body as is: top_k where the
// provider has it, then every Extra key (which wins over a typed field of
// the same name, so a user can override any mapping).
func (c *Client) extraFields(p *providers.Params) map[string]any {
	if p.TopK == nil && len(p.Extra) == 0 && !(c.provider == "mistral" && p.Seed != nil) {
		return nil
	}
	m := make(map[string]any, len(p.Extra)+2)
	switch {
	case p.TopK == nil:
	case c.provider == "openai", c.provider == "mistral":
		// No top_k field: OpenAI ignores nothing silently and Mistral rejects
		// unknown keys with 422.
	default:
		m["top_k"] = *p.TopK
	}
	if c.provider == "mistral" && p.Seed != nil {
		m["random_seed"] = *p.Seed
	}
	for k, v := range p.Extra {
		m[k] = v
	}
	return m
}

// chatParams maps a request onto Chat Completions.
func (c *Client) chatParams(req *providers.Request) openai.ChatCompletionNewParams {
	reasoning := isReasoningModel(req.Model)
	msgs := make([]openai.ChatCompletionMessageParamUnion, 0, len(req.Messages)+1)
	if req.System != "" {
		if reasoning && c.provider == "openai" {
			// o-series and gpt-5 models take instructions in the developer
			// role; other servers may not know it.
			msgs = append(msgs, openai.DeveloperMessage(req.System))
		} else {
			msgs = append(msgs, openai.SystemMessage(req.System))
		}
	}
	for _, m := range req.Messages {
		if m.Role == providers.RoleAssistant {
			msgs = append(msgs, openai.AssistantMessage(m.Content))
		} else {
			msgs = append(msgs, openai.UserMessage(m.Content))
		}
	}
	p := openai.ChatCompletionNewParams{Model: req.Model, Messages: msgs}
	if c.provider != "mistral" {
		// Mistral rejects stream_options (422 extra_forbidden) and sends
		// usage in its last chunk anyway.
		p.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: param.NewOpt(true)}
	}
	pr := &req.Params
	if pr.MaxTokens != nil {
		if reasoning {
			p.MaxCompletionTokens = param.NewOpt(int64(*pr.MaxTokens))
		} else {
			p.MaxTokens = param.NewOpt(int64(*pr.MaxTokens))
		}
	}
	if !reasoning {
		if pr.Temperature != nil {
			p.Temperature = param.NewOpt(*pr.Temperature)
		}
		if pr.TopP != nil {
			p.TopP = param.NewOpt(*pr.TopP)
		}
	} else if pr.ThinkingEnabled() {
		p.ReasoningEffort = effort(pr.Thinking)
	}
	if len(pr.Stop) > 0 && !reasoning {
		// Reasoning models reject stop ("Unsupported parameter: 'stop' is not
		// supported with this model").
		p.Stop = openai.ChatCompletionNewParamsStopUnion{OfStringArray: pr.Stop}
	}
	if pr.Seed != nil && c.provider != "mistral" {
		p.Seed = param.NewOpt(*pr.Seed)
	}
	if extra := c.extraFields(pr); extra != nil {
		p.SetExtraFields(extra)
	}
	return p
}

// responsesParams maps a request onto the Responses API. The system prompt
// becomes instructions; stop and seed have no Responses field and are
// dropped; store is off (a proxy should not keep conversations on the
// vendor's side unless a profile asks with an Extra "store": true).
func (c *Client) responsesParams(req *providers.Request) responses.ResponseNewParams {
	reasoning := isReasoningModel(req.Model) || (c.provider == "openai" && responsesOnly(req.Model))
	items := make(responses.ResponseInputParam, 0, len(req.Messages))
	for _, m := range req.Messages {
		role := responses.EasyInputMessageRoleUser
		if m.Role == providers.RoleAssistant {
			role = responses.EasyInputMessageRoleAssistant
		}
		items = append(items, responses.ResponseInputItemParamOfMessage(m.Content, role))
	}
	p := responses.ResponseNewParams{
		Model: req.Model,
		Input: responses.ResponseNewParamsInputUnion{OfInputItemList: items},
		Store: param.NewOpt(false),
	}
	if req.System != "" {
		p.Instructions = param.NewOpt(req.System)
	}
	pr := &req.Params
	if pr.MaxTokens != nil {
		p.MaxOutputTokens = param.NewOpt(int64(*pr.MaxTokens))
	}
	if !reasoning {
		if pr.Temperature != nil {
			p.Temperature = param.NewOpt(*pr.Temperature)
		}
		if pr.TopP != nil {
			p.TopP = param.NewOpt(*pr.TopP)
		}
	} else if pr.ThinkingEnabled() {
		// summary "auto" makes the API stream reasoning summaries, which
		// become thinking events.
		p.Reasoning = shared.ReasoningParam{Effort: effort(pr.Thinking), Summary: shared.ReasoningSummaryAuto}
	}
	if extra := c.extraFields(pr); extra != nil {
		p.SetExtraFields(extra)
	}
	return p
}
