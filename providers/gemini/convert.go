package gemini

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"google.golang.org/genai"

	"github.com/llxprt/llxprt-ls/providers"
)

// generationConfigFields are the fields of the Gemini API's GenerationConfig
// (https://ai.google.dev/api/generate-content#generationconfig). An Extra key
// that names one, in camelCase or snake_case, goes into the request's
// generationConfig; every other Extra key goes to the top level of the body.
var generationConfigFields = map[string]bool{
	"stopSequences":              true,
	"responseMimeType":           true,
	"responseSchema":             true,
	"responseJsonSchema":         true,
	"responseModalities":         true,
	"candidateCount":             true,
	"maxOutputTokens":            true,
	"temperature":                true,
	"topP":                       true,
	"topK":                       true,
	"seed":                       true,
	"presencePenalty":            true,
	"frequencyPenalty":           true,
	"responseLogprobs":           true,
	"logprobs":                   true,
	"enableEnhancedCivicAnswers": true,
	"speechConfig":               true,
	"thinkingConfig":             true,
	"imageConfig":                true,
	"mediaResolution":            true,
}

// convert maps a provider-neutral request onto the SDK's model, contents and
// config. Errors are KindBadRequest: the request cannot be sent as it is.
func (c *Client) convert(req *providers.Request) (string, []*genai.Content, *genai.GenerateContentConfig, error) {
	model := req.Model
	if model == "" || strings.ContainsAny(model, "?&") || strings.Contains(model, "..") {
		return "", nil, nil, c.badRequest("model %q: want a Gemini model id such as gemini-2.5-flash", model)
	}
	contents := make([]*genai.Content, 0, len(req.Messages))
	for i, m := range req.Messages {
		var role string
		switch m.Role {
		case providers.RoleUser:
			role = genai.RoleUser
		case providers.RoleAssistant:
			role = genai.RoleModel
		default:
			return "", nil, nil, c.badRequest("message %d: unknown role %q", i, m.Role)
		}
		contents = append(contents, &genai.Content{Role: role, Parts: []*genai.Part{{Text: m.Content}}})
	}
	cfg := &genai.GenerateContentConfig{
		// The SDK would otherwise re-send the request after a dropped or
		// empty stream. The balancer owns retries.
		AutomaticContinuation: genai.Ptr(false),
		HTTPOptions:           &genai.HTTPOptions{},
	}
	if req.System != "" {
		cfg.SystemInstruction = &genai.Content{Role: genai.RoleUser, Parts: []*genai.Part{{Text: req.System}}}
	}
	gen, err := c.mapParams(cfg, &req.Params)
	if err != nil {
		return "", nil, nil, err
	}
	if eb := extraBody(gen, req.Params.Extra); eb != nil {
		// Merged here rather than through HTTPOptions.ExtraBody, whose merge
		// logs to the standard logger whenever a number's Go type differs
		// (an int from TOML over the SDK's float64).
		cfg.HTTPOptions.ExtrasRequestProvider = func(body map[string]any) map[string]any {
			merge(body, eb)
			return body
		}
	}
	return model, contents, cfg, nil
}

// mapParams sets the typed parameters. It returns the ones that go into
// generationConfig through the extra body instead of the SDK's fields:
// temperature, topP and topK are float32 there, and 0.7 would reach the wire
// as 0.699999988079071.
func (c *Client) mapParams(cfg *genai.GenerateContentConfig, p *providers.Params) (map[string]any, error) {
	gen := map[string]any{}
	if p.Temperature != nil {
		gen["temperature"] = *p.Temperature
	}
	if p.TopP != nil {
		gen["topP"] = *p.TopP
	}
	if p.TopK != nil {
		gen["topK"] = *p.TopK
	}
	if p.MaxTokens != nil {
		if *p.MaxTokens > math.MaxInt32 {
			return nil, c.badRequest("max_tokens %d is too large", *p.MaxTokens)
		}
		cfg.MaxOutputTokens = int32(*p.MaxTokens)
	}
	if len(p.Stop) > 0 {
		cfg.StopSequences = p.Stop
	}
	if p.Seed != nil {
		if *p.Seed > math.MaxInt32 || *p.Seed < math.MinInt32 {
			return nil, c.badRequest("seed %d does not fit Gemini's 32-bit seed", *p.Seed)
		}
		cfg.Seed = genai.Ptr(int32(*p.Seed))
	}
	if t := p.Thinking; t != nil {
		switch {
		case t.Type == "disabled":
			cfg.ThinkingConfig = &genai.ThinkingConfig{ThinkingBudget: genai.Ptr[int32](0)}
		case t.BudgetTokens > 0:
			if t.BudgetTokens > math.MaxInt32 {
				return nil, c.badRequest("thinking.budget_tokens %d is too large", t.BudgetTokens)
			}
			cfg.ThinkingConfig = &genai.ThinkingConfig{ThinkingBudget: genai.Ptr(int32(t.BudgetTokens)), IncludeThoughts: true}
		case t.Type == "adaptive":
			// -1 asks Gemini to size the budget itself.
			cfg.ThinkingConfig = &genai.ThinkingConfig{ThinkingBudget: genai.Ptr[int32](-1), IncludeThoughts: true}
		default:
			// Enabled without a budget: the model's default budget.
			cfg.ThinkingConfig = &genai.ThinkingConfig{IncludeThoughts: true}
		}
	}
	return gen, nil
}

// extraBody is what is merged into the body the SDK built (see [merge]): gen (the typed float parameters) and
// the user's Extra keys, placed by the rule in the package doc:
//
//   - "generationConfig" / "generation_config" holding an object: its keys
//     go into generationConfig;
//   - a key naming a GenerationConfig field, in camelCase or snake_case:
//     into generationConfig under its camelCase name;
//   - any other key: the top level of the body, name and value unchanged.
//
// Keys are applied in sorted order so a clash resolves the same way every
// time; an Extra value wins over a typed one. Extra is never modified.
func extraBody(gen, extra map[string]any) map[string]any {
	body := map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(extra)) {
		v := extra[k]
		ck := camel(k)
		if ck == "generationConfig" {
			if m, ok := v.(map[string]any); ok {
				maps.Copy(gen, m)
				continue
			}
		}
		if generationConfigFields[ck] {
			gen[ck] = v
			continue
		}
		body[k] = v
	}
	if len(gen) > 0 {
		body["generationConfig"] = gen
	}
	if len(body) == 0 {
		return nil
	}
	return body
}

// merge sets every key of src in dest, recursing where both hold an object,
// so src wins on a clash but keeps dest's other keys. dest is the SDK's body,
// built afresh for each request; src and the values it holds are never
// modified.
func merge(dest, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dest[k].(map[string]any); ok {
				merge(dm, sm)
				continue
			}
		}
		dest[k] = v
	}
}

// camel turns snake_case into camelCase ("response_mime_type" →
// "responseMimeType"); camelCase passes unchanged.
func camel(s string) string {
	if !strings.Contains(s, "_") {
		return s
	}
	var b strings.Builder
	up := false
	for i, r := range s {
		switch {
		case r == '_' && i > 0:
			up = true
		case up:
			b.WriteString(strings.ToUpper(string(r)))
			up = false
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (c *Client) badRequest(format string, args ...any) *providers.Error {
	msg := fmt.Sprintf(format, args...)
	return &providers.Error{Provider: c.name, Kind: providers.KindBadRequest, Message: msg, Err: fmt.Errorf("gemini: %s", msg)}
}
