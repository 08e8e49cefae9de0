import WeirAlgorithm
import WeirCore
import WeirMath

extension IPInsightsAlgorithm {
    /// 150 users, each logging in from hosts of its own two /24 networks. Quality: the
    /// discriminator AUC of unseen hosts in users' own networks against random addresses
    /// (a model that knows nothing has 0.5).
    public static var fixture: AlgorithmFixture {
        AlgorithmFixture(
            hyperparameters: ["num_entity_vectors": "1000", "vector_dim": "16", "epochs": "8", "mini_batch_size": "100",
                              "learning_rate": "0.01", "num_ip_vectors": "4096", "seed": "5"],
            channels: { directory in
                let train = try FixtureFiles.write(logins(hosts: 0..<12).map { "\($0.0),\($0.1)" }, to: directory, name: "train.csv")
                return ["train": FixtureFiles.channel("train", path: train, contentType: "text/csv")]
            },
            requests: .text([["user0", "10.0.0.1"], ["user1", "192.0.2.7"], ["user2", "2001:db8::1"]]),
            badRequests: [
                AlgorithmFixture.BadRequest(contentType: "text/csv", body: "user0,10.0.0.1\nuser1,not-an-address\n", errorMentions: "line 2"),
                AlgorithmFixture.BadRequest(contentType: "application/json", body: #"{"instances":[{"features":["user0"]}]}"#, errorMentions: "record"),
                AlgorithmFixture.BadRequest(contentType: "application/json", body: #"{"instances":[{"features":["user0", 4]}]}"#, errorMentions: "features"),
            ],
            stream: AlgorithmFixture.Stream(
                settings: JSONObject([("unseen_entity", .string("alert"))]),
                events: (logins(hosts: 20..<22) + [("user3", "203.0.113.9"), ("stranger", "10.0.0.1")]).enumerated().map { index, login in
                    (JSONObject([("user", .string(login.0)), ("remote_addr", .string(login.1))]), 1_790_812_800_000 + Int64(index) * 1_000)
                }),
            quality: { snapshot, _ in
                let model = try IPInsightsModel(snapshot: snapshot, name: "fixture")
                let held = logins(hosts: 100..<104)
                let scorer = IPInsightsScorer(model: model)
                let auc = DiscriminatorAUC.compute(scorer: scorer, entityRows: held.map { model.entityRow(EntityKey($0.0)) },
                                                   addresses: held.compactMap { IPAddress($0.1) }, seed: 9)
                return AlgorithmFixture.Quality(metric: "discriminator_auc", model: auc, baseline: 0.5, higherIsBetter: true)
            })
    }

    /// (user, address) pairs: user u logs in from host h of its networks 10.(u/2).(u%2*2).0/24
    /// and 172.16.u.0/24 (IPv4 text).
    static func logins(hosts: Range<Int>) -> [(String, String)] {
        var pairs: [(String, String)] = []
        for user in 0..<150 {
            for host in hosts {
                let address = host % 2 == 0 ? "10.\(user / 2).\(user % 2 * 2).\(host + 1)" : "172.16.\(user).\(host + 1)"
                pairs.append(("user\(user)", address))
            }
        }
        return pairs
    }
}
