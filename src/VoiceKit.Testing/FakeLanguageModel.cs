using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace VoiceKit.Testing;

/// <summary>
/// A scripted language model: each request takes the next reply from the queue that <c>Enqueue</c> fills, or asks
/// <see cref="Responder"/> when the queue is empty, and streams it on the injected <see cref="TimeProvider"/>: the
/// first update after <see cref="TimeToFirstToken"/>, each next one <see cref="DeltaInterval"/> later.
/// </summary>
/// <remarks>
/// Every request's messages are recorded in <see cref="Requests"/>. A stream cancelled through its token, or abandoned
/// by its reader before the end, counts in <see cref="CancelledCount"/>; cancellation is honoured at once, even during
/// a delay. Thread-safe.
/// </remarks>
public sealed class FakeLanguageModel : ILanguageModel
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly Queue<FakeReply> _replies = new();
    private readonly List<IReadOnlyList<ChatMessage>> _requests = [];
    private int _cancelledCount;
    private int _completedCount;

    /// <summary>Creates a model with no replies scripted.</summary>
    /// <param name="timeProvider">The clock replies stream on; tests pass a FakeTimeProvider.</param>
    public FakeLanguageModel(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _time = timeProvider;
    }

    /// <summary>Delay from the request to the first update. 300 ms by default.</summary>
    public TimeSpan TimeToFirstToken { get; set; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Delay between updates. 20 ms by default.</summary>
    public TimeSpan DeltaInterval { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Makes the reply to a request whose reply is not queued; it sees the request's messages.</summary>
    public Func<IReadOnlyList<ChatMessage>, FakeReply>? Responder { get; set; }

    /// <summary>A snapshot of every request's messages, in order.</summary>
    public IReadOnlyList<IReadOnlyList<ChatMessage>> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>How many replies were cancelled or abandoned before their end.</summary>
    public int CancelledCount => Volatile.Read(ref _cancelledCount);

    /// <summary>How many replies streamed to their end (an <see cref="FakeReply.Error"/> thrown at the end counts).</summary>
    public int CompletedCount => Volatile.Read(ref _completedCount);

    /// <summary>Queues replies for the next requests, in order.</summary>
    /// <param name="replies">The replies.</param>
    /// <returns>This model, for chaining.</returns>
    public FakeLanguageModel Enqueue(params IEnumerable<FakeReply> replies)
    {
        ArgumentNullException.ThrowIfNull(replies);
        lock (_lock)
        {
            foreach (var reply in replies)
            {
                _replies.Enqueue(reply ?? throw new ArgumentException("A reply is null.", nameof(replies)));
            }
        }

        return this;
    }

    /// <summary>Queues a reply that says each text, one per request.</summary>
    /// <param name="texts">What the model says.</param>
    /// <returns>This model, for chaining.</returns>
    public FakeLanguageModel Enqueue(params IEnumerable<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return Enqueue(texts.Select(FakeReply.Say));
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">No reply is queued and <see cref="Responder"/> is not set.</exception>
    public async IAsyncEnumerable<ChatResponseUpdate> StreamAsync(
        IReadOnlyList<ChatMessage> messages, ChatOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        FakeReply? reply;
        int requestNumber;
        lock (_lock)
        {
            _requests.Add([.. messages]);
            requestNumber = _requests.Count;
            if (!_replies.TryDequeue(out reply))
            {
                reply = Responder?.Invoke(messages);
            }
        }

        if (reply is null)
        {
            throw new InvalidOperationException(
                $"FakeLanguageModel has no reply for request {requestNumber}: queue one with Enqueue or set Responder.");
        }

        var messageId = $"msg-{requestNumber}";
        var ended = false;
        try
        {
            await Task.Delay(reply.TimeToFirstToken ?? TimeToFirstToken, _time, cancellationToken).ConfigureAwait(false);
            var first = true;
            foreach (var delta in SplitWords(reply.Text))
            {
                if (!first)
                {
                    await Task.Delay(DeltaInterval, _time, cancellationToken).ConfigureAwait(false);
                }

                first = false;
                yield return new ChatResponseUpdate(ChatRole.Assistant, delta) { MessageId = messageId };
            }

            for (var i = 0; i < reply.ToolCalls.Count; i++)
            {
                if (!first)
                {
                    await Task.Delay(DeltaInterval, _time, cancellationToken).ConfigureAwait(false);
                }

                first = false;
                var call = reply.ToolCalls[i];
                var content = string.IsNullOrEmpty(call.CallId) ? new FunctionCallContent($"call-{requestNumber}-{i + 1}", call.Name, call.Arguments) : call;
                yield return new ChatResponseUpdate(ChatRole.Assistant, [content]) { MessageId = messageId };
            }

            ended = true;
            Interlocked.Increment(ref _completedCount);
            if (reply.Error is not null)
            {
                throw reply.Error;
            }
        }
        finally
        {
            if (!ended)
            {
                Interlocked.Increment(ref _cancelledCount);
            }
        }
    }

    /// <summary>Splits text into word deltas that concatenate back to it: "Hi there." gives "Hi", " there.".</summary>
    internal static IEnumerable<string> SplitWords(string text)
    {
        var start = 0;
        for (var i = 1; i < text.Length; i++)
        {
            if (char.IsWhiteSpace(text[i]) && !char.IsWhiteSpace(text[i - 1]))
            {
                yield return text[start..i];
                start = i;
            }
        }

        if (start < text.Length)
        {
            yield return text[start..];
        }
    }
}
