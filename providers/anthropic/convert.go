package anthropic

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	sdk "github.com/anthropics/anthropic-sdk-go"

	"github.com/llxprt/llxprt-ls/providers"
)

// Thinking limits of the Messages API.
const (
	// MinThinkingBudget is the smallest budget_tokens the API accepts; a
	// smaller (or absent) budget is raised to it.
	MinThinkingBudget = 1024
	// ThinkingHeadroom is how many answer tokens max_tokens keeps above the
	// thinking budget when it has to be raised (the API wants
	// max_tokens > budget_tokens).
	ThinkingHeadroom = 1024
	// minThinkingTopP is the lowest top_p the API allows with thinking on.
	minThinkingTopP = 0.95
)

// errInvalidRequest marks a request that cannot be sent at all; it is
// classified as a bad request without reaching the network.
var errInvalidRequest = errors.New("invalid request")

// buildParams maps a provider-neutral request onto Messages API params.
// The rules are in the package doc.
func buildParams(req *providers.Request) (sdk.MessageNewParams, error) {
	var p sdk.MessageNewParams
	if req == nil {
		return p, fmt.Errorf("%w: nil request", errInvalidRequest)
	}
	if req.Model == "" {
		return p, fmt.Errorf("%w: no model", errInvalidRequest)
	}
	if len(req.Messages) == 0 {
		return p, fmt.Errorf("%w: no messages", errInvalidRequest)
	}
	p.Model = sdk.Model(req.Model)
	if req.System != "" {
		p.System = []sdk.TextBlockParam{{Text: req.System}}
	}
	p.Messages = make([]sdk.MessageParam, 0, len(req.Messages))
	for i, m := range req.Messages {
		var role sdk.MessageParamRole
		switch m.Role {
		case providers.RoleUser:
			role = sdk.MessageParamRoleUser
		case providers.RoleAssistant:
			role = sdk.MessageParamRoleAssistant
		default:
			return p, fmt.Errorf("%w: message %d has role %q, want user or assistant", errInvalidRequest, i, m.Role)
		}
		text := m.Content
		if role == sdk.MessageParamRoleAssistant && i == len(req.Messages)-1 {
			// A final assistant turn is a prefill, which the API refuses
			// with trailing whitespace.
			text = strings.TrimRightFunc(text, unicode.IsSpace)
		}
		if strings.TrimSpace(text) == "" {
			// The API refuses text blocks without non-whitespace text; an
			// empty turn (a reply that failed earlier) says nothing anyway.
			continue
		}
		p.Messages = append(p.Messages, sdk.MessageParam{Role: role, Content: []sdk.ContentBlockParamUnion{sdk.NewTextBlock(text)}})
	}
	if len(p.Messages) == 0 {
		return p, fmt.Errorf("%w: every message is empty", errInvalidRequest)
	}

	pr := req.Params
	maxTokens := DefaultMaxTokens
	if pr.MaxTokens != nil && *pr.MaxTokens > 0 {
		maxTokens = *pr.MaxTokens
	}
	thinking := false
	if t := pr.Thinking; t != nil {
		switch t.Type {
		case "disabled":
			p.Thinking = sdk.ThinkingConfigParamUnion{OfDisabled: &sdk.ThinkingConfigDisabledParam{}}
		case "adaptive":
			thinking = true
			p.Thinking = sdk.ThinkingConfigParamUnion{OfAdaptive: &sdk.ThinkingConfigAdaptiveParam{}}
		default: // "enabled"
			thinking = true
			budget := max(t.BudgetTokens, MinThinkingBudget)
			if maxTokens <= budget {
				maxTokens = budget + ThinkingHeadroom
			}
			p.Thinking = sdk.ThinkingConfigParamOfEnabled(int64(budget))
		}
	}
	p.MaxTokens = int64(maxTokens)

	if pr.Temperature != nil && !thinking {
		p.Temperature = sdk.Float(min(max(*pr.Temperature, 0), 1))
	}
	if pr.TopK != nil && !thinking {
		p.TopK = sdk.Int(int64(*pr.TopK))
	}
	if pr.TopP != nil && (!thinking || *pr.TopP >= minThinkingTopP) {
		p.TopP = sdk.Float(*pr.TopP)
	}
	if len(pr.Stop) > 0 {
		p.StopSequences = pr.Stop
	}
	// Seed is not a Messages API parameter: it is dropped. Extra keys are
	// the user's explicit choice and go into the body unchanged, replacing a
	// mapped field of the same name.
	if len(pr.Extra) > 0 {
		p.SetExtraFields(pr.Extra)
	}
	return p, nil
}
