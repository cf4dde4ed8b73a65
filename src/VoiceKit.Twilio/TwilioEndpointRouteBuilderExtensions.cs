using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VoiceKit.Twilio;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the endpoints Twilio calls: the incoming-call webhook and the media WebSocket.</summary>
public static class TwilioEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps, under <paramref name="prefix"/>: <c>POST {prefix}/voice</c>, the incoming-call webhook (set it as the phone
    /// number's "A call comes in" URL), which answers with TwiML connecting a bidirectional media stream to
    /// <c>GET {prefix}/media</c>, the WebSocket on which each call runs its own session of the registered
    /// <see cref="VoiceKit.VoiceAgent"/>; and <c>POST {prefix}/status</c> for call status callbacks. Every request must
    /// carry a valid X-Twilio-Signature (403 otherwise, and no session). Needs <c>services.AddTwilioVoice(...)</c>,
    /// <c>services.AddVoiceAgent(...)</c> and <c>app.UseWebSockets()</c>.
    /// </summary>
    /// <param name="endpoints">The app.</param>
    /// <param name="prefix">The route prefix; <c>/twilio</c> by default.</param>
    /// <returns>The route group, to add conventions (authorization policies do not apply: Twilio signs instead).</returns>
    /// <exception cref="InvalidOperationException">The options are invalid, or signature validation is off outside Development.</exception>
    public static RouteGroupBuilder MapTwilioVoiceAgent(this IEndpointRouteBuilder endpoints, string prefix = "/twilio")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        var services = endpoints.ServiceProvider;
        var options = services.GetRequiredService<IOptions<TwilioOptions>>().Value;
        var environment = services.GetService<IHostEnvironment>();
        options.Validate(isDevelopment: environment?.IsDevelopment() == true);
        var logger = services.GetService<ILoggerFactory>()?.CreateLogger("VoiceKit.Twilio") ?? NullLogger.Instance;
        var handlers = new TwilioEndpoints(options, services, logger, prefix);

        var group = endpoints.MapGroup(prefix);
        group.MapPost("/voice", handlers.IncomingCallAsync);
        group.MapGet("/media", handlers.MediaStreamAsync);
        group.MapPost("/status", handlers.StatusCallbackAsync);
        return group;
    }
}
