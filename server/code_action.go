package server

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/llxprt/llxprt-ls/providers"
)

// Actions lists the code actions for a range. It never calls a provider and
// costs a stat of settings.json.
func (s *Service) Actions(hasDiagnostics bool) []Action {
	user, err := s.settings.userActions()
	if err != nil {
		// Shown in status, not logged: editors ask on every cursor move.
		s.setWarning("settings.json", "user code actions ignored: "+err.Error())
	} else {
		s.setWarning("settings.json", "")
	}
	return actionList(hasDiagnostics, user)
}

// RunAction runs one code action. It is not part of any session; the reply's
// code is extracted and indented like the original (see ActionResult), and
// Placement says whether it replaces the code or goes after it.
func (s *Service) RunAction(ctx context.Context, req ActionRequest, onDelta func(string)) (*ActionResult, error) {
	if strings.TrimSpace(req.Code) == "" {
		return nil, inputErr("code", "empty; select the code to act on")
	}
	if len(req.Code) > s.opts.MaxPromptBytes {
		return nil, inputErr("code", "%d bytes, more than the %d allowed", len(req.Code), s.opts.MaxPromptBytes)
	}
	for field, v := range map[string]string{"code": req.Code, "action": req.Action, "path": req.Path, "language": req.Language, "diagnostics": strings.Join(req.Diagnostics, "\n")} {
		if !utf8.ValidString(v) {
			return nil, inputErr(field, "not valid UTF-8")
		}
	}
	user, _ := s.settings.userActions()
	system, prompt, placement, err := actionPrompt(req, user)
	if err != nil {
		return nil, err
	}
	a, err := s.balancerFor(ctx, "")
	if err != nil {
		return nil, err
	}
	res, err := s.stream(ctx, a, &providers.Request{System: system, Messages: []providers.Message{{Role: providers.RoleUser, Content: prompt}}}, onDelta)
	if err != nil {
		return nil, err
	}
	out := &ActionResult{ChatResult: *res}
	if placement == "" {
		out.Explanation = strings.TrimSpace(res.Text)
		return out, nil
	}
	ex := extractCode(res.Text)
	out.Code = fitIndent(req.Code, ex.Code)
	out.Placement = placement
	out.Explanation = ex.Prose
	return out, nil
}
