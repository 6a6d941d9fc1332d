package step

import (
	"net/url"
	"strings"
)

// Gemini returns the model settings of Google's Gemini generateContent
// endpoint for model: baseURL + "/models/" + model + ":generateContent"
// (baseURL default "https://generativelanguage.googleapis.com/v1beta"). The
// key is added to the URL as ?key= by Inngest when it makes the request,
// so it is not part of URL.
func Gemini(apiKey, model, baseURL string) AIModel {
	return AIModel{Format: AIFormatGemini, URL: apiURL(baseURL, "https://generativelanguage.googleapis.com/v1beta") + "/models/" + url.PathEscape(model) + ":generateContent", APIKey: apiKey}
}

// Bedrock returns the model settings of Amazon Bedrock's Converse endpoint
// for modelID (a model or inference profile ID): baseURL + "/model/" +
// modelID + "/converse" (baseURL default
// "https://bedrock-runtime.us-east-1.amazonaws.com"; use your region's).
// authorization is sent as the whole Authorization header, e.g. "Bearer " +
// a Bedrock API key; SigV4-signed requests need headers signed over the
// body, which Header can carry.
func Bedrock(authorization, baseURL, modelID string) AIModel {
	return AIModel{Format: AIFormatBedrock, URL: apiURL(baseURL, "https://bedrock-runtime.us-east-1.amazonaws.com") + "/model/" + url.PathEscape(modelID) + "/converse", APIKey: authorization}
}

// OpenAIResponses returns the model settings of OpenAI's Responses API:
// baseURL + "/responses" (baseURL default "https://api.openai.com/v1").
func OpenAIResponses(apiKey, baseURL string) AIModel {
	return AIModel{Format: AIFormatOpenAIResponses, URL: apiURL(baseURL, "https://api.openai.com/v1") + "/responses", APIKey: apiKey}
}

// AzureOpenAI returns the model settings of an Azure OpenAI deployment's
// chat completions endpoint: endpoint + "/openai/deployments/" +
// deployment + "/chat/completions?api-version=" + apiVersion (endpoint is
// the resource's URL, e.g. "https://my-resource.openai.azure.com"). The key
// is sent in the api-key header Azure reads (and, as for every format the
// server does not know, as "Authorization: Bearer" too).
func AzureOpenAI(apiKey, endpoint, deployment, apiVersion string) AIModel {
	u := strings.TrimSuffix(endpoint, "/") + "/openai/deployments/" + url.PathEscape(deployment) + "/chat/completions?api-version=" + url.QueryEscape(apiVersion)
	return AIModel{Format: AIFormatAzureOpenAI, URL: u, APIKey: apiKey, Header: map[string]string{"api-key": apiKey}}
}

// Grok returns the model settings of xAI's chat completions endpoint:
// baseURL + "/chat/completions" (baseURL default "https://api.x.ai/v1").
// It speaks OpenAI chat: use OpenAIChatRequest and OpenAIChatResponse.
func Grok(apiKey, baseURL string) AIModel {
	return AIModel{Format: AIFormatGrok, URL: apiURL(baseURL, "https://api.x.ai/v1") + "/chat/completions", APIKey: apiKey}
}

// DeepSeek returns the model settings of DeepSeek's chat completions
// endpoint: baseURL + "/chat/completions" (baseURL default
// "https://api.deepseek.com/v1"), in the OpenAI chat format: use
// OpenAIChatRequest and OpenAIChatResponse.
func DeepSeek(apiKey, baseURL string) AIModel {
	return AIModel{Format: AIFormatOpenAIChat, URL: apiURL(baseURL, "https://api.deepseek.com/v1") + "/chat/completions", APIKey: apiKey}
}
