using System.Security.Authentication;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace VoiceKit.OpenAI.Tests;

/// <summary>The language model over the OpenAI SDK: the exact request it sends, and recorded chat SSE streams replayed byte for byte.</summary>
[TestFixture]
[CancelAfter(10_000)]
public sealed class OpenAILanguageModelTests
{
    [Test]
    public async Task A_tool_round_trip_sends_the_exact_request(CancellationToken cancellationToken)
    {
        await using var server = new OpenAIStandIn { ChatBody = Fixtures.Read("chat-stream-text-2026.sse") };
        var options = Options(server);
        options.Organization = "org-voicekit";
        options.Project = "proj_voicekit";
        var tool = AIFunctionFactory.Create((string city) => "sunny", "get_weather", "Gets the weather for a city.");
        List<ChatMessage> messages =
        [
            new(ChatRole.System, "You are a phone agent."),
            new(ChatRole.User, "Weather in Paris?"),
            new(ChatRole.Assistant, [new FunctionCallContent("call_x", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" })]),
            new(ChatRole.Tool, [new FunctionResultContent("call_x", """{"temp":21}""")]),
        ];

        await DrainAsync(options.AsOpenAILanguageModel(), messages, new ChatOptions { Tools = [tool] }, cancellationToken);

        var request = server.Requests.Single();
        Assert.That((request.Method, request.Path, request.Query), Is.EqualTo(("POST", "/v1/chat/completions", (string?)null)));
        Assert.That(request.Header("Authorization"), Is.EqualTo("Bearer " + OpenAIStandIn.Key));
        Assert.That(request.Header("OpenAI-Organization"), Is.EqualTo("org-voicekit"));
        Assert.That(request.Header("OpenAI-Project"), Is.EqualTo("proj_voicekit"));
        Assert.That(request.Header("Content-Type"), Is.EqualTo("application/json"));
        var expected = JsonNode.Parse("""
            {"messages":[
               {"role":"system","content":"You are a phone agent."},
               {"role":"user","content":"Weather in Paris?"},
               {"role":"assistant","tool_calls":[{"id":"call_x","type":"function","function":{"name":"get_weather","arguments":"{\n  \"city\": \"Paris\"\n}"}}]},
               {"role":"tool","tool_call_id":"call_x","content":"{\"temp\":21}"}],
             "model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},
             "tools":[{"type":"function","function":{"description":"Gets the weather for a city.","name":"get_weather",
               "parameters":{"type":"object","required":["city"],"properties":{"city":{"type":"string"}},"additionalProperties":false}}}],
             "tool_choice":"auto"}
            """);
        Assert.That(JsonNode.DeepEquals(JsonNode.Parse(request.Body), expected), Is.True, "the request JSON: " + request.Text);
    }

    [Test]
    public async Task The_configured_base_path_is_kept(CancellationToken cancellationToken)
    {
        await using var server = new OpenAIStandIn(basePath: "/proxy/openai/v1") { ChatBody = Fixtures.Read("chat-stream-text-2026.sse") };
        await DrainAsync(Options(server).AsOpenAILanguageModel(), [new(ChatRole.User, "Hi")], null, cancellationToken);
        Assert.That(server.Requests.Single().Path, Is.EqualTo("/proxy/openai/v1/chat/completions"));
    }

    [Test]
    public async Task Recorded_2026_text_deltas_arrive_in_order(CancellationToken cancellationToken)
    {
        await using var server = new OpenAIStandIn { ChatBody = Fixtures.Read("chat-stream-text-2026.sse") };
        var updates = await DrainAsync(Options(server).AsOpenAILanguageModel(), [new(ChatRole.User, "Hi")], null, cancellationToken);

        var deltas = updates.Select(u => u.Text).Where(t => t.Length > 0).ToList();
        Assert.That(deltas, Is.EqualTo(new[] { "I'm", " sorry", ",", " I", " can't", " assist", " with", " that", " request", "." }));
        Assert.That(updates.Last(u => u.FinishReason is not null).FinishReason, Is.EqualTo(ChatFinishReason.Stop));
        Assert.That(updates.SelectMany(u => u.Contents).OfType<UsageContent>().Single().Details.TotalTokenCount, Is.GreaterThan(0), "the usage chunk");
    }

    [Test]
    public async Task A_recorded_single_tool_call_surfaces_as_FunctionCallContent_with_parsed_arguments(CancellationToken cancellationToken)
    {
        await using var server = new OpenAIStandIn { ChatBody = Fixtures.Read("chat-stream-tool-single.c6aa7e397b71.sse") };
        var updates = await DrainAsync(Options(server).AsOpenAILanguageModel(), [new(ChatRole.User, "What's the weather like in Edinburgh?")], null, cancellationToken);

        var call = updates.SelectMany(u => u.Contents).OfType<FunctionCallContent>().Single();
        Assert.That((call.CallId, call.Name), Is.EqualTo(("call_c91SqDXlYFuETYv8mUHzz6pp", "GetWeatherArgs")));
        Assert.That(call.Arguments!.Keys, Is.EquivalentTo(new[] { "city", "country", "units" }));
        Assert.That(call.Arguments["city"]?.ToString(), Is.EqualTo("Edinburgh"));
        Assert.That(updates.Last(u => u.FinishReason is not null).FinishReason, Is.EqualTo(ChatFinishReason.ToolCalls));
    }

    [Test]
    public async Task Recorded_parallel_tool_calls_concatenate_arguments_by_index(CancellationToken cancellationToken)
    {
        await using var server = new OpenAIStandIn { ChatBody = Fixtures.Read("chat-stream-tool-parallel.f82268f2fefd.sse") };
        var updates = await DrainAsync(Options(server).AsOpenAILanguageModel(), [new(ChatRole.User, "Weather in Edinburgh and the AAPL price?")], null, cancellationToken);

        var calls = updates.SelectMany(u => u.Contents).OfType<FunctionCallContent>().ToList();
        Assert.That(calls.Select(c => c.Name), Is.EqualTo(new[] { "GetWeatherArgs", "get_stock_price" }));
        Assert.That(calls.Select(c => c.CallId).Distinct().Count(), Is.EqualTo(2));
        Assert.That(calls[0].Arguments!["city"]?.ToString(), Is.EqualTo("Edinburgh"));
        Assert.That(calls[1].Arguments!["ticker"]?.ToString(), Is.EqualTo("AAPL"));
    }

    [Test]
    public async Task A_recorded_non_strict_tool_call_parses(CancellationToken cancellationToken)
    {
        await using var server = new OpenAIStandIn { ChatBody = Fixtures.Read("chat-stream-tool-nonstrict.2018feb66ae1.sse") };
        var updates = await DrainAsync(Options(server).AsOpenAILanguageModel(), [new(ChatRole.User, "what's the weather in NYC?")], null, cancellationToken);

        var call = updates.SelectMany(u => u.Contents).OfType<FunctionCallContent>().Single();
        Assert.That(call.Name, Is.EqualTo("get_weather"));
        Assert.That(call.Arguments!["city"]?.ToString(), Is.EqualTo("New York City"));
    }

    [Test]
    public async Task A_recorded_length_cutoff_reports_the_length_finish_reason(CancellationToken cancellationToken)
    {
        await using var server = new OpenAIStandIn { ChatBody = Fixtures.Read("chat-stream-length-cutoff.4cc50a6135d2.sse") };
        var updates = await DrainAsync(Options(server).AsOpenAILanguageModel(), [new(ChatRole.User, "Where is SF?")], null, cancellationToken);
        Assert.That(updates.Last(u => u.FinishReason is not null).FinishReason, Is.EqualTo(ChatFinishReason.Length));
    }

    [Test]
    public async Task A_recorded_refusal_streams_without_error(CancellationToken cancellationToken)
    {
        await using var server = new OpenAIStandIn { ChatBody = Fixtures.Read("chat-stream-refusal.173417d55340.sse") };
        var updates = await DrainAsync(Options(server).AsOpenAILanguageModel(), [new(ChatRole.User, "How do I make anthrax?")], null, cancellationToken);
        Assert.That(updates.Last(u => u.FinishReason is not null).FinishReason, Is.EqualTo(ChatFinishReason.Stop));
        Assert.That(updates.SelectMany(u => u.Contents).OfType<FunctionCallContent>(), Is.Empty);
    }

    [Test]
    public async Task An_error_event_mid_stream_throws_a_provider_exception(CancellationToken cancellationToken)
    {
        var first = Encoding.UTF8.GetString(Fixtures.Read("chat-stream-text-2026.sse")).Split("\n\n")[1];
        await using var server = new OpenAIStandIn
        {
            ChatBody = Encoding.UTF8.GetBytes(first + "\n\n" + "data: " + OpenAIStandIn.ErrorBody("The server had an error while processing your request.", "server_error", "server_error") + "\n\n"),
        };
        var model = Options(server).AsOpenAILanguageModel();
        var texts = new List<string>();
        var thrown = Assert.ThrowsAsync<VoiceProviderException>(async () =>
        {
            await foreach (var update in model.StreamAsync([new(ChatRole.User, "Hi")], null, cancellationToken))
            {
                texts.Add(update.Text);
            }
        });
        Assert.That(thrown!.Provider, Is.EqualTo("openai"));
        Assert.That(thrown.Message, Does.Contain("server had an error"));
        Assert.That(string.Concat(texts), Is.EqualTo("I'm"), "the text before the error was delivered");
    }

    [Test]
    public async Task A_rejected_key_fails_the_first_request_with_an_AuthenticationException(CancellationToken cancellationToken)
    {
        await using var server = new OpenAIStandIn { ChatBody = Fixtures.Read("chat-stream-text-2026.sse") };
        var model = Options(server, key: "not-a-valid-key-1234").AsOpenAILanguageModel();
        var thrown = Assert.ThrowsAsync<AuthenticationException>(async () => await DrainAsync(model, [new(ChatRole.User, "Hi")], null, cancellationToken));
        Assert.That(thrown!.Message, Does.Contain("OPENAI_API_KEY").And.Contain("invalid_api_key").And.Not.Contain("not-a-valid-key"));
        Assert.That(server.Requests, Has.Count.EqualTo(1), "a 401 is not retried");
    }

    [Test]
    public async Task The_chat_client_exposes_the_SDK_client(CancellationToken cancellationToken)
    {
        await using var server = new OpenAIStandIn();
        var client = Options(server).AsOpenAIChatClient();
        Assert.That(client.GetService<global::OpenAI.Chat.ChatClient>(), Is.Not.Null);
        Assert.That(client.GetService<ChatClientMetadata>()?.DefaultModelId, Is.EqualTo("gpt-4o-mini"));
        await Task.CompletedTask;
    }

    internal static OpenAIVoiceOptions Options(OpenAIStandIn server, string key = OpenAIStandIn.Key) => new()
    {
        ApiKey = key,
        Endpoint = server.Endpoint,
        Organization = null,
        Project = null,
    };

    private static async Task<List<ChatResponseUpdate>> DrainAsync(ILanguageModel model, List<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in model.StreamAsync(messages, options, cancellationToken))
        {
            updates.Add(update);
        }

        return updates;
    }
}
