package providers

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
)

// Thinking asks for extended reasoning (Anthropic extended thinking, Gemini
// thinking budget, OpenAI reasoning effort).
type Thinking struct {
	Type         string `json:"type"` // "enabled" or "disabled"
	BudgetTokens int    `json:"budget_tokens,omitempty"`
}

// Params are a bucket's modelParams. The well-known keys are typed; every
// other key is kept in Extra and reaches the vendor's request body unchanged,
// so a user's vendor-specific option works without a code change.
type Params struct {
	Temperature *float64
	MaxTokens   *int
	TopP        *float64
	TopK        *int
	Stop        []string
	Seed        *int64
	Thinking    *Thinking
	// Extra holds every other modelParams key, as decoded from JSON/TOML.
	Extra map[string]any
}

// Clone returns a deep-enough copy (the pointers point at immutable values).
func (p Params) Clone() Params {
	c := p
	c.Stop = append([]string(nil), p.Stop...)
	if p.Thinking != nil {
		t := *p.Thinking
		c.Thinking = &t
	}
	c.Extra = maps.Clone(p.Extra)
	return c
}

// IsZero reports whether p sets nothing, so callers can skip a Merge on the
// hot path. Keep it next to Merge: a new field belongs in both.
func (p *Params) IsZero() bool {
	return p.Temperature == nil && p.MaxTokens == nil && p.TopP == nil && p.TopK == nil &&
		p.Stop == nil && p.Seed == nil && p.Thinking == nil && len(p.Extra) == 0
}

// Merge returns p with every field that o sets taken from o.
func (p Params) Merge(o Params) Params {
	c := p.Clone()
	if o.Temperature != nil {
		c.Temperature = o.Temperature
	}
	if o.MaxTokens != nil {
		c.MaxTokens = o.MaxTokens
	}
	if o.TopP != nil {
		c.TopP = o.TopP
	}
	if o.TopK != nil {
		c.TopK = o.TopK
	}
	if o.Stop != nil {
		c.Stop = append([]string(nil), o.Stop...)
	}
	if o.Seed != nil {
		c.Seed = o.Seed
	}
	if o.Thinking != nil {
		t := *o.Thinking
		c.Thinking = &t
	}
	for k, v := range o.Extra {
		if c.Extra == nil {
			c.Extra = map[string]any{}
		}
		c.Extra[k] = v
	}
	return c
}

// ParseParams reads a profile's modelParams. The typed keys are checked
// (a string temperature is an error naming the key); every other key goes to
// Extra untouched. "max_output_tokens" and "maxTokens" are accepted as
// spellings of max_tokens.
func ParseParams(m map[string]any) (Params, error) {
	var p Params
	for k, v := range m {
		var err error
		switch k {
		case "temperature":
			p.Temperature, err = floatParam(k, v)
		case "top_p", "topP":
			p.TopP, err = floatParam(k, v)
		case "max_tokens", "maxTokens", "max_output_tokens":
			var n *int64
			if n, err = intParam(k, v); n != nil {
				i := int(*n)
				p.MaxTokens = &i
			}
		case "top_k", "topK":
			var n *int64
			if n, err = intParam(k, v); n != nil {
				i := int(*n)
				p.TopK = &i
			}
		case "seed":
			p.Seed, err = intParam(k, v)
		case "stop", "stop_sequences":
			p.Stop, err = stopParam(k, v)
		case "thinking":
			p.Thinking, err = thinkingParam(v)
		default:
			if p.Extra == nil {
				p.Extra = map[string]any{}
			}
			p.Extra[k] = v
		}
		if err != nil {
			return Params{}, err
		}
	}
	return p, nil
}

// Map turns p back into modelParams form (for saving and display).
func (p Params) Map() map[string]any {
	m := maps.Clone(p.Extra)
	if m == nil {
		m = map[string]any{}
	}
	if p.Temperature != nil {
		m["temperature"] = *p.Temperature
	}
	if p.TopP != nil {
		m["top_p"] = *p.TopP
	}
	if p.MaxTokens != nil {
		m["max_tokens"] = *p.MaxTokens
	}
	if p.TopK != nil {
		m["top_k"] = *p.TopK
	}
	if p.Seed != nil {
		m["seed"] = *p.Seed
	}
	if p.Stop != nil {
		m["stop"] = p.Stop
	}
	if p.Thinking != nil {
		t := map[string]any{"type": p.Thinking.Type}
		if p.Thinking.BudgetTokens > 0 {
			t["budget_tokens"] = p.Thinking.BudgetTokens
		}
		m["thinking"] = t
	}
	return m
}

// ThinkingEnabled reports whether extended reasoning was asked for.
func (p Params) ThinkingEnabled() bool {
	return p.Thinking != nil && p.Thinking.Type != "disabled"
}

// Number reads a number decoded from JSON or TOML (float64, int64,
// json.Number …); profile settings and modelParams share it.
func Number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case int32:
		return float64(n), true
	case uint64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

func floatParam(k string, v any) (*float64, error) {
	f, ok := Number(v)
	if !ok {
		return nil, fmt.Errorf("modelParams.%s: want a number, got %T %v", k, v, v)
	}
	return &f, nil
}

func intParam(k string, v any) (*int64, error) {
	f, ok := Number(v)
	if !ok || f != math.Trunc(f) {
		return nil, fmt.Errorf("modelParams.%s: want a whole number, got %v", k, v)
	}
	if f < 0 {
		return nil, fmt.Errorf("modelParams.%s: must not be negative, got %v", k, v)
	}
	i := int64(f)
	return &i, nil
}

func stopParam(k string, v any) ([]string, error) {
	switch s := v.(type) {
	case string:
		return []string{s}, nil
	case []string:
		return append([]string(nil), s...), nil
	case []any:
		out := make([]string, 0, len(s))
		for _, e := range s {
			str, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("modelParams.%s: want strings, got %T", k, e)
			}
			out = append(out, str)
		}
		return out, nil
	}
	return nil, fmt.Errorf("modelParams.%s: want a string or a list of strings, got %T", k, v)
}

func thinkingParam(v any) (*Thinking, error) {
	switch t := v.(type) {
	case bool:
		if t {
			return &Thinking{Type: "enabled"}, nil
		}
		return &Thinking{Type: "disabled"}, nil
	case map[string]any:
		th := &Thinking{Type: "enabled"}
		if s, ok := t["type"].(string); ok {
			th.Type = s
		}
		if b, ok := t["budget_tokens"]; ok {
			n, err := intParam("thinking.budget_tokens", b)
			if err != nil {
				return nil, err
			}
			th.BudgetTokens = int(*n)
		}
		if th.Type != "enabled" && th.Type != "disabled" && th.Type != "adaptive" {
			return nil, fmt.Errorf("modelParams.thinking.type: want \"enabled\" or \"disabled\", got %q", th.Type)
		}
		return th, nil
	}
	return nil, fmt.Errorf("modelParams.thinking: want {\"type\": \"enabled\", \"budget_tokens\": N}, got %T", v)
}
