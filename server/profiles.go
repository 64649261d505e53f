package server

import (
	"github.com/llxprt/llxprt-ls/profile"
)

// ProfileInfo is one saved profile, with the active one marked.
type ProfileInfo struct {
	profile.Summary
	Active bool `json:"active"`
	// Inline marks the profile the server was started with by --profile or
	// --demo: it is serving but not saved, so it cannot be loaded by name.
	Inline bool `json:"inline,omitempty"`
}

// Profiles lists the saved profiles; Active marks the one serving requests.
// When that one is inline (not saved) it comes first, marked Inline, so a
// picker shows what is serving instead of an empty or unmarked list.
func (s *Service) Profiles() ([]ProfileInfo, error) {
	list, err := s.store.List()
	if err != nil {
		return nil, err
	}
	cur := s.cur.Load()
	out := make([]ProfileInfo, 0, len(list)+1)
	if cur.name == "" && cur.prof != nil {
		out = append(out, ProfileInfo{Summary: cur.prof.Summary(cur.display()), Active: true, Inline: true})
	}
	for _, sum := range list {
		out = append(out, ProfileInfo{Summary: sum, Active: sum.Name == cur.name && cur.name != ""})
	}
	return out, nil
}

// SaveProfile validates a JSON (or TOML) profile document and saves it under
// name. Saving the active profile rebuilds its balancer at once; a document
// that does not parse is refused and nothing is written.
func (s *Service) SaveProfile(name string, data []byte) error {
	if err := s.store.SaveRaw(name, data); err != nil {
		return err
	}
	s.onProfileChange(name)
	return nil
}

// ShowProfile returns a saved profile's document with every secret masked.
func (s *Service) ShowProfile(name string) (map[string]any, error) {
	if err := profile.ValidName(name); err != nil {
		return nil, err
	}
	p, err := s.store.Load(name)
	if err != nil {
		return nil, err
	}
	return p.Masked(), nil
}
