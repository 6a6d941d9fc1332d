package engine

import (
	"encoding/json"

	"github.com/seed-b02f2472/inngest-go/internal/jsoncodec"
	"github.com/seed-b02f2472/inngest-go/runtype"
)

// aiMetadata reads what the server records of an inference request as its
// "inngest.ai" metadata (extractors.ExtractAIGatewayMetadata): the model
// from the body read as OpenAI chat, the token counts from the answer read
// as an Anthropic message for the anthropic format and as an OpenAI chat
// completion for any other. val is the memoized result ({"data": answer} or
// {"error": {"data": answer}}). It returns nil where the server records a
// parsing warning instead: a body or answer that does not decode, an
// Anthropic error, a completion without choices.
func aiMetadata(o aiOpts, val json.RawMessage) *runtype.AIMetadata {
	var in struct {
		Model string `json:"model"`
	}
	if jsoncodec.Unmarshal(o.Body, &in) != nil {
		return nil
	}
	var res struct {
		Data  json.RawMessage `json:"data"`
		Error *struct {
			Data json.RawMessage `json:"data"`
		} `json:"error"`
	}
	if jsoncodec.Unmarshal(val, &res) != nil {
		return nil
	}
	answer := res.Data
	if res.Error != nil {
		answer = res.Error.Data
	}
	md := &runtype.AIMetadata{Provider: o.Format, RequestModel: in.Model}
	if o.Format == "anthropic" {
		var a struct {
			Type  string `json:"type"`
			Model string `json:"model"`
			Usage struct {
				InputTokens  int64 `json:"input_tokens"`
				OutputTokens int64 `json:"output_tokens"`
			} `json:"usage"`
		}
		if jsoncodec.Unmarshal(answer, &a) != nil || a.Type == "error" {
			return nil
		}
		md.ResponseModel, md.InputTokens, md.OutputTokens = a.Model, a.Usage.InputTokens, a.Usage.OutputTokens
	} else {
		var c struct {
			Model   string            `json:"model"`
			Choices []json.RawMessage `json:"choices"`
			Usage   struct {
				PromptTokens     int64 `json:"prompt_tokens"`
				CompletionTokens int64 `json:"completion_tokens"`
			} `json:"usage"`
		}
		if jsoncodec.Unmarshal(answer, &c) != nil || len(c.Choices) == 0 {
			return nil
		}
		md.ResponseModel, md.InputTokens, md.OutputTokens = c.Model, c.Usage.PromptTokens, c.Usage.CompletionTokens
	}
	md.TotalTokens = md.InputTokens + md.OutputTokens
	return md
}
