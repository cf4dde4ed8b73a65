using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using VoiceKit.Conformance;

namespace VoiceKit.Twilio.Tests;

/// <summary>One request the REST stand-in received, with its form body parsed in order (repeated names kept).</summary>
internal sealed record RestRequest(string Method, string Target, string? Authorization, string? ContentType, string Body, IReadOnlyList<KeyValuePair<string, string>> Form)
{
    public string? Field(string name) => Form.Where(p => p.Key == name).Select(p => p.Value).SingleOrDefault();
}

/// <summary>
/// A local Twilio REST API on 127.0.0.1 (protocols.md §5.4-5.5): HTTP Basic <c>AccountSid:AuthToken</c> checked on every
/// request (401 with Twilio's 20003 body otherwise), <c>POST /2010-04-01/Accounts/{AC}/Calls.json</c> answering 201
/// with a Call resource, <c>POST …/Calls/{CA}.json</c> updating a live call (200 with the Call resource) or answering
/// 404/20404 for a call that has ended. Failures are armed for the next request: any status and body, or no answer at
/// all. Records every request.
/// </summary>
internal sealed partial class TwilioRestStandIn : LoopbackHttpServer
{
    public const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    public const string AuthToken = "0123456789abcdef0123456789abcdef";
    public const string NewCallSid = "CAfedcba9876543210fedcba9876543210";

    private readonly ConcurrentQueue<RestRequest> _requests = new();
    private readonly TaskCompletionSource _firstRequest = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private (int Status, string Body)? _nextAnswer;
    private bool _stallNext;

    public TwilioRestStandIn() => Start();

    public Uri BaseUrl => new($"http://127.0.0.1:{Port}");

    public IReadOnlyList<RestRequest> Requests => [.. _requests];

    /// <summary>Calls that have ended: updating them answers 404 with code 20404.</summary>
    public ConcurrentDictionary<string, bool> EndedCalls { get; } = new(StringComparer.Ordinal);

    /// <summary>Completes when the first request has been read.</summary>
    public Task FirstRequest => _firstRequest.Task;

    /// <summary>Answers the next request with this status and body instead of the normal behaviour.</summary>
    public void AnswerNext(int status, string body) => _nextAnswer = (status, body);

    /// <summary>Reads the next request and never answers it (until the stand-in is disposed).</summary>
    public void StallNext() => _stallNext = true;

    /// <summary>The error body Twilio sends, as in protocols.md §5.4.</summary>
    public static string ErrorBody(int code, string message, int status) =>
        $$"""{"code":{{code}},"message":"{{message}}","more_info":"https://www.twilio.com/docs/errors/{{code}}","status":{{status}}}""";

    protected override async Task OnRequestAsync(HttpListenerContext context)
    {
        var request = context.Request;
        string body;
        using (var reader = new StreamReader(request.InputStream, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync(Stopping);
        }

        var recorded = new RestRequest(request.HttpMethod, request.RawUrl ?? string.Empty, request.Headers["Authorization"], request.ContentType, body, ParseForm(body));
        _requests.Enqueue(recorded);
        _firstRequest.TrySetResult();

        if (_stallNext)
        {
            _stallNext = false;
            Stall(context);
            return;
        }

        if (_nextAnswer is { } armed)
        {
            _nextAnswer = null;
            await AnswerAsync(context, armed.Status, armed.Body);
            return;
        }

        var expectedAuth = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{AccountSid}:{AuthToken}"));
        if (recorded.Authorization != expectedAuth)
        {
            await AnswerAsync(context, 401, """{"code":20003,"detail":"Your AccountSid or AuthToken was incorrect.","message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401}""");
            return;
        }

        if (request.HttpMethod != "POST" || recorded.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.Ordinal) != true)
        {
            await AnswerAsync(context, 405, ErrorBody(20004, "Method not allowed", 405));
            return;
        }

        var route = Route().Match(recorded.Target);
        if (!route.Success || route.Groups["account"].Value != AccountSid)
        {
            await AnswerAsync(context, 404, ErrorBody(20404, $"The requested resource {recorded.Target} was not found", 404));
            return;
        }

        if (!route.Groups["call"].Success)
        {
            var to = recorded.Field("To");
            var from = recorded.Field("From");
            if (to is null || from is null || recorded.Field("Twiml") is null)
            {
                await AnswerAsync(context, 400, ErrorBody(21201, "No 'To' number is specified", 400));
                return;
            }

            await AnswerAsync(context, 201, CallResource(NewCallSid, "queued", to, from));
            return;
        }

        var callSid = route.Groups["call"].Value;
        if (EndedCalls.ContainsKey(callSid))
        {
            await AnswerAsync(context, 404, ErrorBody(20404, $"The requested resource /2010-04-01/Accounts/{AccountSid}/Calls/{callSid}.json was not found", 404));
            return;
        }

        if (recorded.Field("Status") == "completed")
        {
            EndedCalls[callSid] = true;
            await AnswerAsync(context, 200, CallResource(callSid, "completed", "+14155550100", "+14155550199"));
            return;
        }

        await AnswerAsync(context, 200, CallResource(callSid, "in-progress", "+14155550100", "+14155550199"));
    }

    /// <summary>A Call resource with the fields of protocols.md §5.5, shaped like Twilio's (nulls included).</summary>
    public static string CallResource(string sid, string status, string to, string from) => $$"""
        {"account_sid":"{{AccountSid}}","annotation":null,"answered_by":null,"api_version":"2010-04-01","caller_name":null,"date_created":"Tue, 31 Aug 2010 20:36:28 +0000","date_updated":"Tue, 31 Aug 2010 20:36:44 +0000","direction":"outbound-api","duration":"0","end_time":null,"forwarded_from":null,"from":"{{from}}","from_formatted":"{{from}}","group_sid":null,"parent_call_sid":null,"phone_number_sid":"PN0123456789abcdef0123456789abcdef","price":null,"price_unit":"USD","sid":"{{sid}}","start_time":null,"status":"{{status}}","subresource_uris":{"notifications":"/2010-04-01/Accounts/{{AccountSid}}/Calls/{{sid}}/Notifications.json","recordings":"/2010-04-01/Accounts/{{AccountSid}}/Calls/{{sid}}/Recordings.json"},"to":"{{to}}","to_formatted":"{{to}}","trunk_sid":null,"uri":"/2010-04-01/Accounts/{{AccountSid}}/Calls/{{sid}}.json","queue_time":"0"}
        """;

    private static async Task AnswerAsync(HttpListenerContext context, int status, string json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        var bytes = Encoding.UTF8.GetBytes(json);
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }

    private static List<KeyValuePair<string, string>> ParseForm(string body)
    {
        var form = new List<KeyValuePair<string, string>>();
        if (body.Length == 0)
        {
            return form;
        }

        foreach (var pair in body.Split('&'))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? pair : pair[..equals];
            var value = equals < 0 ? string.Empty : pair[(equals + 1)..];
            form.Add(new(Decode(name), Decode(value)));
        }

        return form;

        static string Decode(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));
    }

    [GeneratedRegex("^/2010-04-01/Accounts/(?<account>[^/]+)/Calls(/(?<call>[^/]+))?\\.json$", RegexOptions.CultureInvariant)]
    private static partial Regex Route();
}
