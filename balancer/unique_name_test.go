package balancer

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestUniqueName(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"repeats get #N", []string{"a", "a", "a", "b"}, []string{"a", "a#2", "a#3", "b"}},
		{"a spelled #N is skipped", []string{"a#2", "a", "a"}, []string{"a#2", "a", "a#3"}},
		{"a taken #N gets its own suffix", []string{"a", "a", "a#2", "a"}, []string{"a", "a#2", "a#2#2", "a#3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			taken, next := map[string]bool{}, map[string]int{}
			var got []string
			for _, n := range tt.in {
				got = append(got, uniqueName(taken, next, n))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
		})
	}
}

// 10,000 buckets with one name all get distinct names (this was quadratic).
func TestUniqueNameMany(t *testing.T) {
	taken, next := map[string]bool{}, map[string]int{}
	for range 10000 {
		uniqueName(taken, next, "openai/gpt-4.1")
	}
	if len(taken) != 10000 {
		t.Errorf("%d distinct names for 10,000 buckets", len(taken))
	}
}
