using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using VoiceKit.Conformance;

namespace VoiceKit.Integration.Tests;

/// <summary>One scripted chat completion: text, or one tool call.</summary>
internal sealed record ScriptedCompletion(string? Text = null, string? ToolName = null, string? ToolArguments = null);

/// <summary>
/// A local OpenAI <c>POST /v1/chat/completions</c> stand-in (protocols.md §4.1) that streams scripted completions as
/// server-sent events in the shape recorded from the live API in 2026 (fixtures/openai/openai-dotnet/chat-stream-text-2026.sse:
/// <c>service_tier</c>, <c>"usage":null</c>, an <c>obfuscation</c> string on every chunk, the role delta first, a
/// <c>finish_reason</c> chunk, a usage chunk with <c>choices:[]</c>, then <c>[DONE]</c>); tool calls are streamed as in the
/// recorded tool-call streams (id, type and name on the first fragment with empty arguments, then argument fragments).
/// </summary>
internal sealed class ScriptedChatServer : LoopbackHttpServer
{
    private readonly ConcurrentQueue<ScriptedCompletion> _script = new();

    public ScriptedChatServer(params ScriptedCompletion[] completions)
    {
        foreach (var completion in completions)
        {
            _script.Enqueue(completion);
        }

        Start();
    }

    public Uri Endpoint => new($"http://127.0.0.1:{Port}/v1");

    /// <summary>Every chat request body, parsed.</summary>
    public ConcurrentQueue<JsonDocument> Requests { get; } = new();

    public ConcurrentQueue<string> Authorizations { get; } = new();

    /// <summary>Each request is answered on a task of its own, so the accept loop can take the next one meanwhile.</summary>
    protected override Task OnRequestAsync(HttpListenerContext context)
    {
        _ = Task.Run(() => HandleAsync(context));
        return Task.CompletedTask;
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        try
        {
            var request = context.Request;
            Authorizations.Enqueue(request.Headers["Authorization"] ?? string.Empty);
            if (request.HttpMethod != "POST" || request.Url!.AbsolutePath != "/v1/chat/completions")
            {
                context.Response.StatusCode = 404;
                context.Response.Close();
                return;
            }

            using (var reader = new StreamReader(request.InputStream, Encoding.UTF8))
            {
                Requests.Enqueue(JsonDocument.Parse(await reader.ReadToEndAsync()));
            }

            if (!_script.TryDequeue(out var completion))
            {
                completion = new ScriptedCompletion(Text: "I have nothing more to say.");
            }

            context.Response.StatusCode = 200;
            context.Response.ContentType = "text/event-stream; charset=utf-8";
            context.Response.SendChunked = true;
            var output = context.Response.OutputStream;
            foreach (var chunk in Chunks(completion))
            {
                await output.WriteAsync(Encoding.UTF8.GetBytes("data: " + chunk + "\n\n"));
                await output.FlushAsync();
            }

            await output.WriteAsync("data: [DONE]\n\n"u8.ToArray());
            context.Response.Close();
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException)
        {
        }
    }

    private static IEnumerable<string> Chunks(ScriptedCompletion completion)
    {
        const string Head = """{"id":"chatcmpl-VK0000000000000000000000000001","object":"chat.completion.chunk","created":1770950834,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_ad98c18a04","choices":[""";
        string Tail(int n) => $$"""],"usage":null,"obfuscation":"{{new string('x', 4 + (n % 9))}}"}""";
        var n = 0;
        if (completion.ToolName is { } name)
        {
            yield return Head + """{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_vk7Qx2parcel","type":"function","function":{"name":""" + JsonSerializer.Serialize(name) + ""","arguments":""}}],"refusal":null},"logprobs":null,"finish_reason":null}""" + Tail(n++);
            var arguments = completion.ToolArguments ?? "{}";
            for (var at = 0; at < arguments.Length; at += 5)
            {
                var fragment = arguments.Substring(at, Math.Min(5, arguments.Length - at));
                yield return Head + """{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":""" + JsonSerializer.Serialize(fragment) + """}}]},"logprobs":null,"finish_reason":null}""" + Tail(n++);
            }

            yield return Head + """{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}""" + Tail(n++);
        }
        else
        {
            yield return Head + """{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}""" + Tail(n++);
            foreach (var piece in Pieces(completion.Text ?? string.Empty))
            {
                yield return Head + """{"index":0,"delta":{"content":""" + JsonSerializer.Serialize(piece) + """},"logprobs":null,"finish_reason":null}""" + Tail(n++);
            }

            yield return Head + """{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}""" + Tail(n++);
        }

        yield return Head + """],"usage":{"prompt_tokens":26,"completion_tokens":10,"total_tokens":36,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"obfuscation":"KDHHSAO6xE"}""";
    }

    /// <summary>Splits text into token-like pieces: each word with its leading space, as the API streams.</summary>
    private static IEnumerable<string> Pieces(string text)
    {
        var start = 0;
        for (var i = 1; i <= text.Length; i++)
        {
            if (i == text.Length || text[i] == ' ')
            {
                yield return text[start..i];
                start = i;
            }
        }
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        await base.DisposeAsyncCore();
        foreach (var request in Requests)
        {
            request.Dispose();
        }
    }
}
