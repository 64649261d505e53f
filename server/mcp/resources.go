package mcp

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
)

const (
	uriProfiles = "llxprt://profiles"
	uriStatus   = "llxprt://status"
)

func (h *handler) addResources() {
	h.srv.AddResource(mcpgo.NewResource(uriProfiles, "profiles",
		mcpgo.WithResourceDescription("The saved routing profiles, with the active and default ones marked."),
		mcpgo.WithMIMEType("application/json")), h.readProfiles)
	h.srv.AddResource(mcpgo.NewResource(uriStatus, "status",
		mcpgo.WithResourceDescription("The active profile, per-bucket health, stats and credential sources, and the bucket that served last."),
		mcpgo.WithMIMEType("application/json")), h.readStatus)
	h.srv.AddResourceTemplate(mcpgo.NewResourceTemplate(uriProfiles+"/{name}", "profile",
		mcpgo.WithTemplateDescription("One saved profile's document, API keys masked."),
		mcpgo.WithTemplateMIMEType("application/json")), h.readProfile)
}

func jsonContents(uri string, v any) ([]mcpgo.ResourceContents, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("mcp: encode %s: %w", uri, err)
	}
	return []mcpgo.ResourceContents{mcpgo.TextResourceContents{URI: uri, MIMEType: "application/json", Text: string(b)}}, nil
}

func (h *handler) readProfiles(ctx context.Context, req mcpgo.ReadResourceRequest) ([]mcpgo.ResourceContents, error) {
	list, err := h.svc.Profiles()
	if err != nil {
		return nil, err
	}
	return jsonContents(req.Params.URI, list)
}

func (h *handler) readStatus(ctx context.Context, req mcpgo.ReadResourceRequest) ([]mcpgo.ResourceContents, error) {
	return jsonContents(req.Params.URI, h.svc.Status())
}

func (h *handler) readProfile(ctx context.Context, req mcpgo.ReadResourceRequest) ([]mcpgo.ResourceContents, error) {
	name, ok := strings.CutPrefix(req.Params.URI, uriProfiles+"/")
	if !ok || name == "" {
		return nil, fmt.Errorf("mcp: resource %q: want %s/NAME", req.Params.URI, uriProfiles)
	}
	doc, err := h.svc.ShowProfile(name)
	if err != nil {
		return nil, err
	}
	return jsonContents(req.Params.URI, doc)
}
