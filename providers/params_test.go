package providers

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func ptr[T any](v T) *T { return &v }

func TestParseParams(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Params
		wantErr string
	}{
		{"recipe", `{"temperature": 0.7, "max_tokens": 8192}`, Params{Temperature: ptr(0.7), MaxTokens: ptr(8192)}, ""},
		{"thinking", `{"max_tokens": 16384, "thinking": {"type": "enabled", "budget_tokens": 8192}}`,
			Params{MaxTokens: ptr(16384), Thinking: &Thinking{Type: "enabled", BudgetTokens: 8192}}, ""},
		{"spellings", `{"maxTokens": 10, "topP": 0.9, "topK": 40, "stop_sequences": ["END"], "seed": 7}`,
			Params{MaxTokens: ptr(10), TopP: ptr(0.9), TopK: ptr(40), Stop: []string{"END"}, Seed: ptr(int64(7))}, ""},
		{"stop string", `{"stop": "\n\n"}`, Params{Stop: []string{"\n\n"}}, ""},
		{"thinking bool", `{"thinking": false}`, Params{Thinking: &Thinking{Type: "disabled"}}, ""},
		{"extra kept", `{"reasoning_effort": "high", "response_format": {"type": "json_object"}}`,
			Params{Extra: map[string]any{"reasoning_effort": "high", "response_format": map[string]any{"type": "json_object"}}}, ""},
		{"string temperature", `{"temperature": "hot"}`, Params{}, "modelParams.temperature: want a number"},
		{"fractional max_tokens", `{"max_tokens": 10.5}`, Params{}, "modelParams.max_tokens: want a whole number"},
		{"negative", `{"max_tokens": -1}`, Params{}, "must not be negative"},
		{"bad thinking type", `{"thinking": {"type": "maybe"}}`, Params{}, `modelParams.thinking.type`},
		{"bad stop", `{"stop": [1]}`, Params{}, "modelParams.stop: want strings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal([]byte(tt.in), &m); err != nil {
				t.Fatal(err)
			}
			got, err := ParseParams(m)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
			// Map is the inverse of ParseParams for canonical spellings.
			back, err := ParseParams(got.Map())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, back); diff != "" {
				t.Errorf("ParseParams(Map()) changed the params (-want +got)\n%s", diff)
			}
		})
	}
}

func TestMergeOverridesOnlyWhatIsSet(t *testing.T) {
	base := Params{Temperature: ptr(0.2), MaxTokens: ptr(100), Extra: map[string]any{"a": 1}}
	got := base.Merge(Params{MaxTokens: ptr(500), Extra: map[string]any{"b": 2}})
	want := Params{Temperature: ptr(0.2), MaxTokens: ptr(500), Extra: map[string]any{"a": 1, "b": 2}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	if len(base.Extra) != 1 || *base.MaxTokens != 100 {
		t.Errorf("Merge changed its receiver: %+v", base)
	}
}

// IsZero must see every field, including ones added later: a Params that
// sets only one of them is not zero (the balancer skips merging a bucket's
// params when they are).
func TestIsZeroSeesEveryField(t *testing.T) {
	if p := (Params{}); !p.IsZero() {
		t.Error("empty params not zero")
	}
	typ := reflect.TypeOf(Params{})
	for i := range typ.NumField() {
		var p Params
		f := reflect.ValueOf(&p).Elem().Field(i)
		switch f.Kind() {
		case reflect.Pointer:
			f.Set(reflect.New(f.Type().Elem()))
		case reflect.Slice:
			f.Set(reflect.MakeSlice(f.Type(), 0, 0))
		case reflect.Map:
			m := reflect.MakeMap(f.Type())
			m.SetMapIndex(reflect.ValueOf("k"), reflect.ValueOf(any(1)))
			f.Set(m)
		default:
			t.Fatalf("field %s: kind %s not covered by this test", typ.Field(i).Name, f.Kind())
		}
		if p.IsZero() {
			t.Errorf("Params setting only %s reported zero", typ.Field(i).Name)
		}
	}
}
