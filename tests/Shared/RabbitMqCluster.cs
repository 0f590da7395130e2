using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace EdgeFL.Tests.Shared;

/// <summary>
/// RabbitMQ nodes (Debian's rabbitmq-server with its MQTT plugin) started by a test in a temporary folder, on free
/// ports, with one Erlang cookie; more than one node are joined into a cluster. Each node runs in its own process
/// group; dispose kills them and deletes the folder. Readiness is a successful MQTT 3.1.1 connect, never a sleep.
/// epmd, which Erlang starts once per machine and every node shares, is left running.
/// </summary>
public sealed class RabbitMqCluster : IAsyncDisposable
{
    private const string ServerScript = "/usr/lib/rabbitmq/bin/rabbitmq-server";
    private const string CtlScript = "/usr/lib/rabbitmq/bin/rabbitmqctl";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(180);
    private readonly string _directory;
    private readonly List<Node> _nodes = [];

    private RabbitMqCluster(string directory) => _directory = directory;

    /// <summary>The nodes, in start order (the first is the one the others joined).</summary>
    public IReadOnlyList<Node> Nodes => _nodes;

    /// <summary>
    /// Starts <paramref name="nodes"/> nodes and clusters them. <paramref name="retainedStore"/> is the MQTT plugin's
    /// retained message store module (e.g. <c>rabbit_mqtt_retained_msg_store_noop</c>: a broker that keeps none).
    /// A cluster gets the policy docs/OPERATIONS.md asks for: the MQTT plugin's subscription queues mirrored on every
    /// node (3.10 makes a QoS 1 subscription's queue durable even for a clean session, homed on the node the client
    /// came to; without a mirror, that client cannot subscribe on another node while the home node is down).
    /// </summary>
    public static async Task<RabbitMqCluster> StartAsync(int nodes, string retainedStore = "rabbit_mqtt_retained_msg_store_dets", CancellationToken cancellationToken = default)
    {
        if (!File.Exists(ServerScript))
        {
            throw new InvalidOperationException("rabbitmq-server is not installed: apt-get install rabbitmq-server (.ci/run does this)");
        }

        var cluster = new RabbitMqCluster(Directory.CreateTempSubdirectory("edgefl-rabbitmq-").FullName);
        try
        {
            string cookie = "edgefl" + Guid.NewGuid().ToString("N");
            string run = Path.GetFileName(cluster._directory).Replace("edgefl-rabbitmq-", "", StringComparison.Ordinal).ToLowerInvariant();
            for (int i = 0; i < nodes; i++)
            {
                cluster._nodes.Add(Node.Create(cluster._directory, $"edgefl{run}n{i}", cookie, retainedStore));
            }

            foreach (var node in cluster._nodes)
            {
                node.Start();
            }

            foreach (var node in cluster._nodes)
            {
                await node.WaitReadyAsync(cancellationToken);
            }

            foreach (var node in cluster._nodes.Skip(1))
            {
                await node.CtlAsync(cancellationToken, "stop_app");
                await node.CtlAsync(cancellationToken, "join_cluster", cluster._nodes[0].Name);
                await node.CtlAsync(cancellationToken, "start_app");
                await node.WaitReadyAsync(cancellationToken);
            }

            if (nodes > 1)
            {
                await cluster._nodes[0].CtlAsync(cancellationToken, "set_policy", "edgefl-mqtt-ha", "^mqtt-subscription-", """{"ha-mode":"all","ha-sync-mode":"automatic"}""", "--apply-to", "queues");
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.KillAsync();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A node's last log write racing the delete: the folder is in /tmp and goes with the machine.
        }
    }

    /// <summary>One RabbitMQ node: its name, MQTT port and process group.</summary>
    public sealed class Node
    {
        private readonly Dictionary<string, string> _environment;
        private readonly string _directory;
        private Process? _process;

        private Node(string name, string directory, int mqttPort, Dictionary<string, string> environment)
        {
            Name = name;
            _directory = directory;
            MqttPort = mqttPort;
            _environment = environment;
        }

        /// <summary>The Erlang node name (<c>name@localhost</c>).</summary>
        public string Name { get; }

        /// <summary>The MQTT listener's port on 127.0.0.1.</summary>
        public int MqttPort { get; }

        /// <summary>The node's log file, for a failing test's message.</summary>
        public string LogPath => Path.Combine(_directory, "log", Name + ".log");

        /// <summary>The last <paramref name="lines"/> lines of the node's log.</summary>
        public string LogTail(int lines) => File.Exists(LogPath) ? string.Join('\n', File.ReadLines(LogPath).TakeLast(lines)) : "(no log)";

        internal static Node Create(string root, string shortName, string cookie, string retainedStore)
        {
            string name = shortName + "@localhost";
            string dir = Path.Combine(root, shortName);
            Directory.CreateDirectory(Path.Combine(dir, "home"));
            int amqp = TestPorts.Free(), mqtt = TestPorts.Free(), dist = TestPorts.Free();
            File.WriteAllText(Path.Combine(dir, "rabbitmq.conf"), string.Join('\n',
                $"listeners.tcp.default = 127.0.0.1:{amqp}",
                $"mqtt.listeners.tcp.default = 127.0.0.1:{mqtt}",
                "mqtt.allow_anonymous = true",
                $"mqtt.retained_message_store = {retainedStore}",
                "log.console = false",
                "") );
            File.WriteAllText(Path.Combine(dir, "enabled_plugins"), "[rabbitmq_mqtt].\n");
            string cookiePath = Path.Combine(dir, "home", ".erlang.cookie");
            File.WriteAllText(cookiePath, cookie);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(cookiePath, UnixFileMode.UserRead); // Erlang refuses a cookie others can read
            }
            var environment = new Dictionary<string, string>
            {
                ["HOME"] = Path.Combine(dir, "home"),
                ["RABBITMQ_CONF_ENV_FILE"] = "/dev/null",
                ["RABBITMQ_NODENAME"] = name,
                ["RABBITMQ_NODE_PORT"] = amqp.ToString(CultureInfo.InvariantCulture),
                ["RABBITMQ_DIST_PORT"] = dist.ToString(CultureInfo.InvariantCulture),
                ["RABBITMQ_BASE"] = dir,
                ["RABBITMQ_MNESIA_BASE"] = Path.Combine(dir, "mnesia"),
                ["RABBITMQ_LOG_BASE"] = Path.Combine(dir, "log"),
                ["RABBITMQ_CONFIG_FILE"] = Path.Combine(dir, "rabbitmq.conf"),
                ["RABBITMQ_ADVANCED_CONFIG_FILE"] = Path.Combine(dir, "advanced.config"),
                ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(dir, "enabled_plugins"),
                ["RABBITMQ_PID_FILE"] = Path.Combine(dir, "pid"),
            };
            return new Node(name, dir, mqtt, environment);
        }

        internal void Start()
        {
            // setsid: the node (the script execs Erlang) leads its own process group, which dispose kills whole.
            var start = Info("setsid", ServerScript);
            _process = Process.Start(start) ?? throw new InvalidOperationException($"rabbitmq-server {Name} did not start");
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        /// <summary>Waits until the node's MQTT listener accepts an MQTT 3.1.1 connection.</summary>
        public async Task WaitReadyAsync(CancellationToken cancellationToken)
        {
            var deadline = DateTime.UtcNow + StartTimeout;
            while (!await TryMqttConnectAsync(MqttPort, cancellationToken))
            {
                if (_process is { HasExited: true } || DateTime.UtcNow > deadline)
                {
                    string log = File.Exists(LogPath) ? string.Join('\n', File.ReadLines(LogPath).TakeLast(30)) : "(no log)";
                    throw new InvalidOperationException($"RabbitMQ node {Name} did not accept MQTT on port {MqttPort} (exited: {_process?.HasExited}). Log tail:\n{log}");
                }

                await Task.Delay(200, cancellationToken);
            }
        }

        /// <summary>Kills the node's Erlang VM with SIGKILL (a node dying, not stopping); returns when it has exited.</summary>
        public async Task KillAsync()
        {
            if (_process is null)
            {
                return;
            }

            if (!_process.HasExited)
            {
                using var kill = Process.Start("kill", ["-KILL", "--", "-" + _process.Id.ToString(CultureInfo.InvariantCulture)]);
                await kill!.WaitForExitAsync();
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                try
                {
                    await _process.WaitForExitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                }
            }

            _process.Dispose();
            _process = null;
        }

        internal async Task CtlAsync(CancellationToken cancellationToken, params string[] arguments)
        {
            var info = Info(CtlScript, ["-n", Name, .. arguments]);
            using var ctl = Process.Start(info) ?? throw new InvalidOperationException("rabbitmqctl did not start");
            var output = new StringBuilder();
            ctl.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
            ctl.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
            ctl.BeginOutputReadLine();
            ctl.BeginErrorReadLine();
            await ctl.WaitForExitAsync(cancellationToken);
            if (ctl.ExitCode != 0)
            {
                throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', arguments)} on {Name} failed ({ctl.ExitCode}): {output}");
            }
        }

        private ProcessStartInfo Info(string file, params string[] arguments)
        {
            var info = new ProcessStartInfo(file, arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var (key, value) in _environment)
            {
                info.Environment[key] = value;
            }

            return info;
        }
    }

    /// <summary>One MQTT 3.1.1 CONNECT (clean session) answered by an accepting CONNACK, then DISCONNECT.</summary>
    private static async Task<bool> TryMqttConnectAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            using var tcp = new TcpClient();
            await tcp.ConnectAsync("127.0.0.1", port, timeout.Token);
            var stream = tcp.GetStream();
            byte[] id = Encoding.ASCII.GetBytes("edgefl-probe-" + Guid.NewGuid().ToString("N")[..8]);
            byte[] variable = [0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, 0x02, 0, 30, 0, (byte)id.Length];
            byte[] packet = [0x10, (byte)(variable.Length + id.Length), .. variable, .. id];
            await stream.WriteAsync(packet, timeout.Token);
            byte[] connack = new byte[4];
            await stream.ReadExactlyAsync(connack, timeout.Token);
            bool accepted = connack[0] == 0x20 && connack[3] == 0;
            await stream.WriteAsync(new byte[] { 0xE0, 0 }, timeout.Token);
            return accepted;
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
